"""Warning rules on what the case file should hold (mandatory records that a step does not refuse)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..facts import CaseFacts
from ..registry import ON_SWEEP, Severity, Violation, rule

W = Severity.WARNING


@rule(
    "field-inspection-approved",
    title="外出执法检查由部门分管领导批准",
    requirements=["START-11", "START-10"],
    severity=W,
    on=[ON_SWEEP],
)
def field_inspection_approved(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    inspections = list(facts.current_records("site_inspection_transcript"))
    if inspections and not facts.approvals_for("field_inspection") and not facts.has_record("inspection_approval"):
        yield Violation("已有现场检查笔录,但无分管领导批准外出执法检查的记录")


@rule(
    "unpunished-violation-reported",
    title="未被处罚的违法行为应记录并上报",
    requirements=["DECIDE-11"],
    severity=W,
    on=[ON_SWEEP],
)
def unpunished_violation_reported(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    if facts.transition("decide_no_penalty") is not None and not facts.has_record("enforcement_report"):
        yield Violation("不予处罚结案的,应在执法报告中记录未被处罚的违法行为并载明上报部门")


@rule(
    "statement-handled",
    title="记录当事人陈述申辩及机关的处理情况",
    requirements=["REVIEW-07"],
    severity=W,
    on=[ON_SWEEP],
)
def statement_handled(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    statements = list(facts.current_records("statement_defence_transcript"))
    if statements and facts.step in ("decided", "execution", "demand", "court_enforcement", "closed"):
        if not any(r.content.get("statement_handling") for r in facts.current_records("preliminary_review_opinion")):
            yield Violation("当事人提出了陈述申辩,初审意见中应记录对陈述申辩的复核及采纳情况")


@rule(
    "inquiry-individually",
    title="询问调查应当个别进行",
    requirements=["INV-09"],
    severity=W,
    on=[ON_SWEEP],
)
def inquiry_individually(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    # One interviewee per transcript is checked when it is drafted (records catalogue); here: two sessions with
    # different interviewees that overlap in time were not held individually.
    sessions = [
        r
        for r in facts.current_records("inquiry_transcript")
        if r.activity_started_at is not None and r.activity_ended_at is not None
    ]
    for index, first in enumerate(sessions):
        for second in sessions[index + 1 :]:
            if first.content.get("interviewee_name") == second.content.get("interviewee_name"):
                continue
            if (
                first.activity_started_at < second.activity_ended_at
                and second.activity_started_at < first.activity_ended_at
            ):
                yield Violation(
                    f"询问笔录 #{first.record_id} 与 #{second.record_id} 时间重叠且被询问人不同,询问应当个别进行",
                    subject=f"{first.record_id}-{second.record_id}",
                )
