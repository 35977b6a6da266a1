"""The periodic jobs run by the checkpointer's loop: each at its own interval, a failure never stops the others."""

from __future__ import annotations

import pytest

from quancheng.core.periodic import PeriodicJobs

CALLS: list[str] = []


def job_a() -> str:
    CALLS.append("a")
    return "a"


def job_fails() -> None:
    CALLS.append("boom")
    raise RuntimeError("boom")


@pytest.mark.django_db
def test_jobs_run_when_due_and_a_failure_does_not_stop_the_others() -> None:
    CALLS.clear()
    now = [0.0]
    jobs = PeriodicJobs([(f"{__name__}.job_fails", 10), (f"{__name__}.job_a", 100)], clock=lambda: now[0])
    assert jobs.run_due() == [f"{__name__}.job_a"]
    now[0] = 50
    assert jobs.run_due() == []  # the failing job ran again (its 10 s passed), job_a is not due
    now[0] = 150
    assert jobs.run_due() == [f"{__name__}.job_a"]
    assert CALLS == ["boom", "a", "boom", "boom", "a"]


@pytest.mark.django_db
def test_every_configured_job_runs(settings) -> None:
    """The rules sweep (DEADLINE-* warnings), upload expiry and media disposal all run from the default settings."""
    paths = [path for path, _ in settings.QUANCHENG_PERIODIC_JOBS]
    assert "quancheng.rules.services.rules_sweep" in paths
    assert PeriodicJobs().run_due() == paths
