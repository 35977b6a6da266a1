"""Who handles and records: certified handlers throughout the investigation (STAFF-01), the lead handler
responsible for the case's records (STAFF-07), a dedicated recorder where the agency requires one (STAFF-08)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from quancheng.cases.workflow import STAFF_01_MIN_OFFICERS

from ..facts import CaseFacts
from ..registry import ON_SWEEP, Severity, Violation, rule

W = Severity.WARNING
# Records written by the legal department or the heads, not by the handlers (REVIEW-02..05).
REVIEW_KINDS = frozenset({"preliminary_review_opinion", "collective_discussion", "hearing_report"})
TRANSCRIPT_KINDS = frozenset(
    {"inquiry_transcript", "site_inspection_transcript", "statement_defence_transcript", "hearing_transcript"}
)


@rule(
    "investigation-certified-handlers",
    title="调查取证期间须始终有2名以上持有效执法证件的承办人",
    requirements=["STAFF-01"],
    severity=W,
    on=[ON_SWEEP],
)
def investigation_certified_handlers(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    # Entering 调查取证 is refused without them (cases.workflow); this catches a certificate that expired or was
    # revoked while the investigation goes on.
    if facts.step != "investigation":
        return
    certified = [h for h in facts.handlers if h.has_valid_certificate]
    if len(certified) < STAFF_01_MIN_OFFICERS:
        lacking = "、".join(h.name for h in facts.handlers if not h.has_valid_certificate) or "无"
        yield Violation(
            f"调查取证中的案件现仅有{len(certified)}名承办人持有效执法证件(不足{STAFF_01_MIN_OFFICERS}名);"
            f"证件已失效的承办人:{lacking}"
        )


@rule(
    "records-by-handlers",
    title="由行政执法活动的主办人负责记录,辅助人员协助填写和审核",
    requirements=["STAFF-07", "STAFF-09"],
    severity=W,
    on=[ON_SWEEP],
)
def records_by_handlers(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    handler_ids = {h.user_id for h in facts.handlers}
    if not handler_ids:
        yield Violation("案件没有承办人:记录无人负责")
        return
    if not any(h.is_lead for h in facts.handlers):
        yield Violation("案件没有主办人:应指定一名主办人负责记录")
    for record in facts.current_records():
        if record.kind in REVIEW_KINDS or record.author_id in handler_ids or record.author_id is None:
            continue
        yield Violation(
            f"记录 #{record.record_id} 由非本案承办人制作;执法记录应由主办人负责、辅助人员协助",
            subject=str(record.record_id),
        )


@rule(
    "dedicated-recorder",
    title="机关要求专门记录人员的,笔录须有执法记录人员",
    requirements=["STAFF-08"],
    severity=W,
    on=[ON_SWEEP],
    params=["dedicated_recorder_required"],
)
def dedicated_recorder(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    if not params["dedicated_recorder_required"]:
        return
    for record in facts.current_records(*TRANSCRIPT_KINDS):
        if not any(p.get("role") == "recorder" for p in record.participants):
            yield Violation(f"笔录 #{record.record_id} 未列明专门的执法记录人员", subject=str(record.record_id))
