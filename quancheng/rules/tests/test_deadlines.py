"""Deadline computation over hand-built facts (pure; table-driven). DEADLINE-02/05/07/08, DECIDE-13/14."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from quancheng.rules import deadlines as dl
from quancheng.rules.calendar import WorkingCalendar
from quancheng.rules.facts import ApprovalFact, CaseFacts, RecordFact, TransitionFact
from quancheng.rules.parameters import PARAMETERS, period

TZ = ZoneInfo("Asia/Shanghai")
DEFAULTS = {key: spec.default for key, spec in PARAMETERS.items()}


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def facts(today: date, *, opened: date, transitions=(), records=(), approvals=(), step="clue") -> CaseFacts:
    return CaseFacts(
        case_id=1,
        agency_id=1,
        procedure="general",
        step=step,
        stage="program_start",
        act_type="penalty",
        opened_at=at(opened),
        now=at(today, 12),
        today=today,
        calendar=WorkingCalendar(),
        transitions=tuple(transitions),
        records=tuple(records),
        approvals=tuple(approvals),
    )


@pytest.mark.parametrize(
    ("today", "expected_status", "expected_level"),
    [
        (date(2026, 3, 2), dl.OPEN, ""),
        (date(2026, 3, 13), dl.OPEN, dl.YELLOW),  # due 16 March: 3 days left
        (date(2026, 3, 16), dl.OPEN, dl.YELLOW),
        (date(2026, 3, 17), dl.OVERDUE, dl.RED),
    ],
)
def test_filing_decision_within_15_calendar_days_deadline_02(today, expected_status, expected_level) -> None:
    # 2026-03-01 + 15 days = 2026-03-16 (a Monday, a working day: no roll-forward)
    deadline = dl.filing_decision(facts(today, opened=date(2026, 3, 1)), DEFAULTS)
    assert deadline.due == date(2026, 3, 16)
    assert deadline.status == expected_status
    assert deadline.level(today, DEFAULTS["deadline_warning_days"]) == expected_level


def test_filing_decision_met_by_filing_deadline_02() -> None:
    filed = TransitionFact("file_case", "clue", "investigation", at(date(2026, 3, 10)))
    deadline = dl.filing_decision(facts(date(2026, 4, 1), opened=date(2026, 3, 1), transitions=[filed]), DEFAULTS)
    assert (deadline.status, deadline.met_on) == (dl.MET, date(2026, 3, 10))


def _approval(action: str, days: int | None = None) -> ApprovalFact:
    return ApprovalFact(
        approval_id=1,
        action=action,
        approver_role="unit_head",
        status="approved",
        requested_at=at(date(2026, 5, 1)),
        decided_at=at(date(2026, 5, 1)),
        data={"days": days} if days else {},
    )


@pytest.mark.parametrize(
    ("decision_period", "approvals", "due"),
    [
        # 90 days from 2026-03-02 → 2026-05-31 (Sunday) rolls to Monday 1 June (民法典 §203)
        (period(90, "day"), [], date(2026, 6, 1)),
        # the seed's 3 months: 2026-06-02 (Tuesday)
        (period(3, "month"), [], date(2026, 6, 2)),
        # DECIDE-13: +30 days once approved by the unit head
        (period(90, "day"), [_approval("extend_decision_period")], date(2026, 7, 1)),
        # DECIDE-14: and the superior department's stated further period
        (
            period(90, "day"),
            [_approval("extend_decision_period"), _approval("further_extend_decision_period", 20)],
            date(2026, 7, 21),
        ),
    ],
)
def test_decision_deadline_from_filing_with_extensions_deadline_05(decision_period, approvals, due) -> None:
    filed = TransitionFact("file_case", "clue", "investigation", at(date(2026, 3, 2)))
    params = {**DEFAULTS, "decision_period": decision_period}
    deadline = dl.decision(
        facts(date(2026, 3, 3), opened=date(2026, 3, 1), transitions=[filed], approvals=approvals), params
    )
    assert deadline.due == due


def _receipt(kind: str, served: datetime) -> RecordFact:
    return RecordFact(
        record_id=7,
        kind="service_receipt",
        stage="service_execution",
        sealed=True,
        content={"served_kind": kind, "served_at": served.isoformat()},
    )


def test_demand_wait_is_ten_working_days_after_service_deadline_07() -> None:
    # served Wednesday 2026-09-30, just before the National Day holiday (1-7 October 2026) and the working
    # Saturday 10 October: 10 working days end on Friday 16 October... counted on the built-in calendar
    served = at(date(2026, 9, 30))
    demand = TransitionFact("issue_demand", "execution", "demand", served)
    f = facts(
        date(2026, 10, 9), opened=date(2026, 1, 5), transitions=[demand], records=[_receipt("payment_reminder", served)]
    )
    wait = dl.demand_wait(f, DEFAULTS)
    expected = WorkingCalendar().add_working_days(date(2026, 9, 30), 10).date
    assert wait.due == expected
    assert wait.due > date(2026, 10, 14)  # the holiday week does not count
    assert wait.waiting and wait.status == dl.WAITING


def test_no_deadline_starts_without_proof_of_service_serve_01() -> None:
    demand = TransitionFact("issue_demand", "execution", "demand", at(date(2026, 9, 30)))
    f = facts(date(2026, 10, 9), opened=date(2026, 1, 5), transitions=[demand])
    assert dl.demand_wait(f, DEFAULTS) is None


def test_statement_period_runs_from_the_notice_deadline_08() -> None:
    notified = at(date(2026, 4, 20))
    f = facts(
        date(2026, 4, 21),
        opened=date(2026, 3, 1),
        transitions=[TransitionFact("notify", "legal_review", "notice", notified)],
        records=[_receipt("penalty_notice", notified)],
    )
    period_ = dl.statement_period(f, DEFAULTS)
    # 5 working days after Monday 20 April 2026 → Monday 27 April
    assert period_.due == date(2026, 4, 27)
    assert period_.status == dl.WAITING
    later = facts(date(2026, 4, 28), opened=date(2026, 3, 1), transitions=f.transitions, records=f.records)
    assert dl.statement_period(later, DEFAULTS).status == dl.ELAPSED


def test_provisional_when_the_year_has_no_calendar_data() -> None:
    f = facts(date(2031, 1, 2), opened=date(2031, 1, 1))
    assert dl.filing_decision(f, DEFAULTS).provisional
