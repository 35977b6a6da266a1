"""Warning rules on the statutory deadlines: yellow when due soon, red when overdue (evaluated by the sweep and
after every write to the case)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .. import deadlines as dl
from ..facts import CaseFacts
from ..registry import ON_SWEEP, Severity, Violation, rule

W = Severity.WARNING
ALL_DEADLINE_PARAMS = (
    "filing_decision_period",
    "decision_period",
    "decision_extension_days",
    "statement_period",
    "demand_wait_period",
    "litigation_period",
    "court_application_period",
    "preservation_decision_period",
    "seizure_term",
    "deadline_warning_days",
)


def _deadline_findings(facts: CaseFacts, params: Mapping[str, Any], found: Iterable[dl.Deadline | None]):
    for deadline in found:
        if deadline is None or deadline.waiting:
            continue
        level = deadline.level(facts.today, int(params["deadline_warning_days"]))
        if not level:
            continue
        remaining = deadline.remaining_days(facts.today)
        when = f"已逾期{-remaining}日" if remaining < 0 else f"剩余{remaining}日"
        if deadline.status == dl.MET_LATE:
            when = f"已于{deadline.met_on}完成,超过期限"
        yield Violation(
            f"{deadline.label}期限({deadline.period})于{deadline.due.isoformat()}届满,{when}"
            + (";该年度节假日安排尚未录入,期限为暂定" if deadline.provisional else ""),
            subject=f"{deadline.subject}:{level}",
            level=level,
            details={"due": deadline.due.isoformat(), "remaining_days": remaining},
        )


def _deadline_rule(code: str, title: str, requirement: str, compute) -> None:
    def check(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
        result = compute(facts, params)
        return _deadline_findings(facts, params, result if isinstance(result, list) else [result])

    rule(code, title=title, requirements=[requirement], severity=W, on=[ON_SWEEP], params=ALL_DEADLINE_PARAMS)(check)


_deadline_rule("deadline-filing-decision", "发现线索之日起15日内核查并决定是否立案", "DEADLINE-02", dl.filing_decision)
_deadline_rule("deadline-preservation", "先行登记保存证据7日内作出处理决定", "DEADLINE-03", dl.preservation)
_deadline_rule("deadline-seizure", "查封、扣押、封存期限不超过30日(延长不超过30日)", "DEADLINE-04", dl.seizure)
_deadline_rule("deadline-decision", "立案后在法定期限内作出处理决定", "DEADLINE-05", dl.decision)
_deadline_rule(
    "deadline-court-application", "法定起诉期限届满后在法定期限内申请法院强制执行", "DEADLINE-06", dl.court_application
)


@rule(
    "preservation-auto-release",
    title="先行登记保存逾期未作出处理决定的自动解除",
    requirements=["EVID-09"],
    severity=W,
    on=[ON_SWEEP],
    params=ALL_DEADLINE_PARAMS,
)
def preservation_auto_release(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    for deadline in dl.preservation(facts, params):
        if deadline.status == dl.OVERDUE:
            yield Violation(
                f"先行登记保存已于{deadline.due.isoformat()}逾期未作出处理决定,依法自动解除,请办理解除手续",
                subject=deadline.subject,
                level="red",
            )


@rule(
    "record-made-in-time",
    title="执法活动完成后7个工作日内制作记录",
    requirements=["DEADLINE-01"],
    severity=W,
    on=[ON_SWEEP],
    params=["record_making_period"],
)
def record_made_in_time(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    from ..parameters import add_period

    for record in facts.current_records():
        ended = dl.local_date(record.activity_ended_at)
        made = dl.local_date(record.created_at if record.version == 1 else None)
        if ended is None or made is None:
            continue
        due = add_period(facts.calendar, ended, params["record_making_period"])
        if made > due.date:
            yield Violation(
                f"记录于{made.isoformat()}制作,晚于执法活动结束后的期限({due.date.isoformat()})",
                subject=str(record.record_id),
            )


@rule(
    "emergency-approval-overdue",
    title="情况紧急事先请示的,事后及时补办批准手续",
    requirements=["EVID-04"],
    severity=W,
    on=[ON_SWEEP],
    params=["emergency_approval_hours"],
)
def emergency_approval_overdue(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    hours = int(params["emergency_approval_hours"])
    for approval in facts.approvals_for("coercive_measure", approved=None):
        if approval.emergency and approval.status == "pending":
            elapsed = (facts.now - approval.requested_at).total_seconds() / 3600
            if elapsed > hours:
                yield Violation(
                    f"紧急实施的强制措施已过{hours}小时仍未补办批准手续", subject=str(approval.approval_id), level="red"
                )


@rule(
    "extension-notice-served",
    title="延长查封扣押封存的决定及时书面告知当事人并说明理由",
    requirements=["SERVE-02"],
    severity=W,
    on=[ON_SWEEP],
)
def extension_notice_served(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    for approval in facts.approvals_for("extend_measure"):
        served = [
            r
            for r in facts.current_records("service_receipt")
            if r.content.get("served_kind") == "measure_extension_notice"
        ]
        if not served:
            yield Violation(
                "延长查封、扣押、封存期限的决定尚无送达回证,应及时书面告知当事人", subject=str(approval.approval_id)
            )
