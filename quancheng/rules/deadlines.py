"""The statutory deadlines of a case, computed from its facts. Pure: no database.

Each deadline starts from an event the facts record (the clue's registration, the filing, the service of a
notice...), runs for a period the agency's parameters give (working days or calendar days/months, see
``rules.calendar``), is lengthened by approved extensions, and is met by a later event. ``case_deadlines``
lists them with what is left; the deadline rules in ``rules.checks.deadlines`` turn them into findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import cache
from typing import Any

from django.utils import timezone

from .facts import CaseFacts, RecordFact
from .parameters import add_period, describe_period

OPEN = "open"
MET = "met"
MET_LATE = "met_late"
OVERDUE = "overdue"
# A waiting period (DEADLINE-07/08) is not something to meet in time: it is a date before which the next step
# may not be taken.
WAITING = "waiting"
ELAPSED = "elapsed"

YELLOW = "yellow"
RED = "red"


@dataclass(frozen=True)
class Deadline:
    code: str
    requirement: str
    label: str
    start: date
    due: date
    provisional: bool
    period: str
    status: str
    met_on: date | None = None
    extended_days: int = 0
    subject: str = ""
    waiting: bool = False

    def remaining_days(self, today: date) -> int:
        return (self.due - today).days

    def level(self, today: date, warning_days: int) -> str:
        """``red`` when overdue, ``yellow`` when due within ``warning_days``, else empty."""
        if self.status != OPEN:
            return RED if self.status == OVERDUE else ""
        remaining = self.remaining_days(today)
        if remaining < 0:
            return RED
        if remaining <= warning_days:
            return YELLOW
        return ""


@cache
def _local_zone() -> tzinfo:
    return timezone.get_default_timezone()


def local_date(moment: datetime | date | None) -> date | None:
    """The agency's local calendar day of ``moment`` (Asia/Shanghai by default)."""
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment.astimezone(_local_zone()).date() if moment.tzinfo is not None else moment.date()
    return moment


def content_date(record: RecordFact | None, field: str) -> date | None:
    """A date or datetime field of a record's content, as a local date; None when absent or malformed."""
    if record is None:
        return None
    value = record.content.get(field)
    if not isinstance(value, str) or not value:
        return None
    try:
        if len(value) == len("2026-01-01"):
            return date.fromisoformat(value)
        return local_date(datetime.fromisoformat(value))
    except ValueError:
        return None


def served_on(facts: CaseFacts, kind: str, record_id: int | None = None) -> date | None:
    """When a document of ``kind`` was served, from its 送达回证 (SERVE-01): None while no proof of service exists
    — and dependent deadlines do not start."""
    dates = [
        content_date(r, "served_at")
        for r in facts.current_records("service_receipt")
        if r.content.get("served_kind") == kind
        and (record_id is None or r.content.get("served_record") in (None, record_id))
    ]
    dates = [d for d in dates if d is not None]
    return min(dates) if dates else None


def _finish(
    facts: CaseFacts,
    *,
    code: str,
    requirement: str,
    label: str,
    start: date,
    period: Mapping[str, Any],
    met_on: date | None,
    extended_days: int = 0,
    subject: str = "",
    waiting: bool = False,
) -> Deadline:
    due = add_period(facts.calendar, start, period)
    end, provisional = due.date, due.provisional
    if extended_days:
        extended = facts.calendar.add_calendar_days(end, extended_days)
        end, provisional = extended.date, provisional or extended.provisional
    if waiting:
        status = ELAPSED if facts.today > end else WAITING
    elif met_on is not None:
        status = MET if met_on <= end else MET_LATE
    else:
        status = OVERDUE if facts.today > end else OPEN
    text = describe_period(period) + (f"(已延长{extended_days}日)" if extended_days else "")
    return Deadline(
        code=code,
        requirement=requirement,
        label=label,
        start=start,
        due=end,
        provisional=provisional,
        period=text,
        status=status,
        met_on=met_on,
        extended_days=extended_days,
        subject=subject or code,
        waiting=waiting,
    )


def _first_date(*moments: datetime | date | None) -> date | None:
    return min((local_date(m) for m in moments if m is not None), default=None)


def filing_decision(facts: CaseFacts, params: Mapping[str, Any]) -> Deadline | None:
    """DEADLINE-02: within 15 days of discovering the clue, verify it and decide whether to file."""
    decided = [facts.transition(a) for a in ("file_case", "decline_filing", "impose_on_the_spot")]
    met_on = _first_date(*(t.at for t in decided if t is not None))
    return _finish(
        facts,
        code="filing_decision",
        requirement="DEADLINE-02",
        label="核查线索并决定是否立案",
        start=local_date(facts.opened_at) or facts.today,
        period=params["filing_decision_period"],
        met_on=met_on,
    )


def decision_period_extension_days(facts: CaseFacts, params: Mapping[str, Any]) -> int:
    """DECIDE-13 (+N days, unit head) and DECIDE-14 (the superior department's stated days), approved only."""
    days = 0
    if facts.approvals_for("extend_decision_period"):
        days += int(params["decision_extension_days"])
    for approval in facts.approvals_for("further_extend_decision_period"):
        days += int(approval.data.get("days") or 0)
    return days


def filed_on(facts: CaseFacts) -> date | None:
    filed = facts.transition("file_case")
    return local_date(filed.at) if filed else None


def decision(facts: CaseFacts, params: Mapping[str, Any]) -> Deadline | None:
    """DEADLINE-05: a decision within the period from filing (90 days today; the seed's 3 months settable)."""
    start = filed_on(facts)
    if start is None:
        return None
    decided = [facts.transition(a) for a in ("decide", "decide_no_penalty")]
    return _finish(
        facts,
        code="decision",
        requirement="DEADLINE-05",
        label="立案后作出处理决定",
        start=start,
        period=params["decision_period"],
        met_on=_first_date(*(t.at for t in decided if t is not None)),
        extended_days=decision_period_extension_days(facts, params),
    )


def notice_served_on(facts: CaseFacts) -> date | None:
    notified = facts.transition("notify")
    if notified is None:
        return None
    return served_on(facts, "penalty_notice") or local_date(notified.at)


def statement_period(facts: CaseFacts, params: Mapping[str, Any]) -> Deadline | None:
    """DEADLINE-08: after the 行政处罚告知书 is served, the party has this long to state, defend or ask for a
    hearing; the decision waits for it (DECIDE-07)."""
    served = notice_served_on(facts)
    if served is None:
        return None
    return _finish(
        facts,
        code="statement_period",
        requirement="DEADLINE-08",
        label="陈述申辩、要求听证期限",
        start=served,
        period=params["statement_period"],
        met_on=None,
        waiting=True,
    )


def demand_wait(facts: CaseFacts, params: Mapping[str, Any]) -> Deadline | None:
    """DEADLINE-07: the court application waits until 10 days after the 催告书 was served."""
    if facts.transition("issue_demand") is None:
        return None
    served = served_on(facts, "payment_reminder")
    if served is None:
        return None
    return _finish(
        facts,
        code="demand_wait",
        requirement="DEADLINE-07",
        label="催告期满方可申请强制执行",
        start=served,
        period=params["demand_wait_period"],
        met_on=None,
        waiting=True,
    )


def court_application(facts: CaseFacts, params: Mapping[str, Any]) -> Deadline | None:
    """DEADLINE-06: once the litigation period after service of the decision has run out, apply to the court
    within the application period (行政强制法 §53: 3 months; the seed's 180 days settable)."""
    if facts.step not in ("execution", "demand", "court_enforcement"):
        return None
    served = served_on(facts, "penalty_decision")
    if served is None:
        return None
    litigation_end = add_period(facts.calendar, served, params["litigation_period"])
    applied = facts.transition("apply_to_court")
    deadline = _finish(
        facts,
        code="court_application",
        requirement="DEADLINE-06",
        label="申请人民法院强制执行",
        start=litigation_end.date,
        period=params["court_application_period"],
        met_on=local_date(applied.at) if applied else None,
    )
    if applied is None and facts.today <= litigation_end.date:
        return None  # the window has not opened yet: nothing to count down
    return deadline


def preservation(facts: CaseFacts, params: Mapping[str, Any]) -> list[Deadline]:
    """DEADLINE-03: a decision on evidence registered for preservation within 7 (working) days."""
    found = []
    left_investigation = facts.transition("submit_for_review")
    for notice in facts.current_records("preservation_notice"):
        start = content_date(notice, "issued_on") or local_date(notice.sealed_at)
        if start is None:
            continue
        released = [a for a in facts.approvals_for("release_measure") if a.record_id == notice.record_id]
        met = _first_date(*(a.decided_at for a in released), left_investigation.at if left_investigation else None)
        found.append(
            _finish(
                facts,
                code="preservation",
                requirement="DEADLINE-03",
                label="先行登记保存证据作出处理决定",
                start=start,
                period=params["preservation_decision_period"],
                met_on=met,
                subject=f"preservation:{notice.record_id}",
            )
        )
    return found


def seizure(facts: CaseFacts, params: Mapping[str, Any]) -> list[Deadline]:
    """DEADLINE-04: a 查封、扣押、封存 lasts at most 30 days, extended once by at most 30 with approval (EVID-13)."""
    found = []
    for decision_record in facts.current_records("seizure_decision"):
        start = content_date(decision_record, "issued_on") or local_date(decision_record.sealed_at)
        if start is None:
            continue
        term = decision_record.content.get("term_days")
        term = term if isinstance(term, int) and term > 0 else params["seizure_term"]["amount"]
        extensions = [a for a in facts.approvals_for("extend_measure") if a.record_id == decision_record.record_id]
        extended = sum(int(a.data.get("days") or 0) for a in extensions[:1])
        released = [a for a in facts.approvals_for("release_measure") if a.record_id == decision_record.record_id]
        found.append(
            _finish(
                facts,
                code="seizure",
                requirement="DEADLINE-04",
                label="查封、扣押、封存期限",
                start=start,
                period={"amount": term, "unit": "day"},
                met_on=_first_date(*(a.decided_at for a in released)),
                extended_days=extended,
                subject=f"seizure:{decision_record.record_id}",
            )
        )
    return found


def case_deadlines(facts: CaseFacts, params: Mapping[str, Any]) -> list[Deadline]:
    """Every deadline of the case that has started, in a stable order."""
    found: list[Deadline] = []
    for single in (filing_decision, decision, statement_period, demand_wait, court_application):
        deadline = single(facts, params)
        if deadline is not None:
            found.append(deadline)
    found.extend(preservation(facts, params))
    found.extend(seizure(facts, params))
    return found
