"""Periodic maintenance run by the background process that ``quancheng serve`` supervises (the checkpointer's
loop): the rules sweep (deadline yellow/red findings), expiry of unfinished uploads, retention disposal...

Jobs are named by dotted path in ``settings.QUANCHENG_PERIODIC_JOBS`` as ``(path, interval_seconds)``, so the
ledger app that runs the loop does not import the domain apps. Each job runs at most once per interval; a
failing job is logged and retried at its next turn, and never stops the others. The caller manages database
connections (the checkpointer closes stale ones around each round).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("quancheng.periodic")


class PeriodicJobs:
    def __init__(self, jobs: list[tuple[str, float]] | None = None, clock: Callable[[], float] = time.monotonic):
        self.jobs = list(jobs if jobs is not None else settings.QUANCHENG_PERIODIC_JOBS)
        self.clock = clock
        self.last_run: dict[str, float] = {}

    def run_due(self) -> list[str]:
        """Run every job whose interval has passed since its last run (all of them the first time)."""
        ran = []
        for path, interval in self.jobs:
            now = self.clock()
            last = self.last_run.get(path)
            if last is not None and now - last < interval:
                continue
            self.last_run[path] = now
            try:
                result = import_string(path)()
            except Exception:
                logger.exception("periodic job %s failed; it runs again in %s s", path, interval)
            else:
                logger.info("periodic job %s: %s", path, result)
                ran.append(path)
        return ran
