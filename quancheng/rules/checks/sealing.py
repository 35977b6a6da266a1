"""Blocking rules at sealing a record: signatures that make it valid, approvals it needs first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..facts import CaseFacts, RecordFact
from ..registry import Severity, Violation, on_seal, rule

B = Severity.BLOCKING
REFUSED = "refused"


@dataclass(frozen=True)
class PageSigning:
    """Who must sign every page of a 笔录 of ``kind`` (any one of ``roles`` per page; a noted refusal counts)."""

    kind: str
    roles: frozenset[str]
    label: str


# INV-11/12 (询问笔录: the interviewee, page by page); STAFF-03 (现场检查笔录: the party or a bystander);
# INV-08 (陈述申辩笔录: the party).
PAGE_SIGNING: tuple[PageSigning, ...] = (
    PageSigning("inquiry_transcript", frozenset({"interviewee", "party", "legal_representative"}), "被询问人"),
    PageSigning(
        "site_inspection_transcript", frozenset({"party", "legal_representative", "bystander"}), "当事人或在场人员"
    ),
    PageSigning("statement_defence_transcript", frozenset({"party", "legal_representative", "agent"}), "当事人"),
)


def _unsigned_pages(record: RecordFact, roles: frozenset[str]) -> list[int]:
    signed = record.signed_pages(roles)
    return [page for page in range(1, record.page_count + 1) if page not in signed]


@rule(
    "transcript-signed-every-page",
    title="笔录经被询问人(当事人或在场人员)确认后逐页签名或盖章,拒签的注明情况",
    requirements=["INV-11", "INV-12", "STAFF-03", "INV-08"],
    severity=B,
    on=[on_seal(p.kind) for p in PAGE_SIGNING],
)
def transcript_signed_every_page(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    record = facts.sealing
    if record is None:
        return
    for signing in PAGE_SIGNING:
        if signing.kind != record.kind:
            continue
        missing = _unsigned_pages(record, signing.roles)
        if missing:
            pages = "、".join(str(p) for p in missing[:20])
            yield Violation(
                f"笔录须由{signing.label}逐页签名、盖章或押印(拒绝签名的注明情况)后方可封存,第{pages}页尚未签名",
                subject=str(record.record_id),
                details={"unsigned_pages": missing},
            )


@rule(
    "transcript-officers-signed",
    title="笔录由执法人员签字确认",
    requirements=["GEN-06"],
    severity=B,
    on=[on_seal(p.kind) for p in PAGE_SIGNING],
)
def transcript_officers_signed(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    record = facts.sealing
    if record is not None and not any(s.role in ("officer", "recorder") for s in record.signatures):
        yield Violation("笔录须由参与的执法人员签字确认后方可封存", subject=str(record.record_id))


@rule(
    "hearing-transcript-signed",
    title="听证笔录交听证主持人及听证参加人审核无误后签名或盖章",
    requirements=["REVIEW-12"],
    severity=B,
    on=[on_seal("hearing_transcript")],
)
def hearing_transcript_signed(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    record = facts.sealing
    if record is None:
        return
    roles = {s.role for s in record.signatures}
    if "hearing_host" not in roles:
        yield Violation("听证笔录须经听证主持人签名", subject=str(record.record_id))
    if "hearing_participant" not in roles:
        yield Violation("听证笔录须经听证参加人签名或者盖章", subject=str(record.record_id))


@rule(
    "review-minutes-signed",
    title="审理记录由参会人员签名",
    requirements=["REVIEW-05"],
    severity=B,
    on=[on_seal("collective_discussion")],
)
def review_minutes_signed(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    record = facts.sealing
    if record is None:
        return
    attendees = record.content.get("attendees") or []
    signed = sum(1 for s in record.signatures if s.role == "attendee")
    if signed < max(len(attendees), 1):
        yield Violation(
            f"审理记录须由全体参会人员签名:参会{len(attendees)}人,已签名{signed}人", subject=str(record.record_id)
        )


@rule(
    "oral-hearing-request-signed",
    title="口头听证申请记录由当事人签名或签章",
    requirements=["REVIEW-11"],
    severity=B,
    on=[on_seal("hearing_request")],
)
def oral_hearing_request_signed(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    record = facts.sealing
    if record is not None and record.content.get("form") == "oral":
        if not {s.role for s in record.signatures} & {"party", "legal_representative", "agent"}:
            yield Violation("口头听证申请记录须由当事人签名或者签章", subject=str(record.record_id))


def _approved_for(facts: CaseFacts, action: str, record: RecordFact) -> bool:
    return any(a.record_id in (None, record.record_id) for a in facts.approvals_for(action))


@rule(
    "measure-approved",
    title="登记保存、查封、扣押、封存须报单位负责人批准后实施(紧急情况事后补办)",
    requirements=["EVID-03", "EVID-04"],
    severity=B,
    on=[on_seal("preservation_notice"), on_seal("seizure_decision")],
)
def measure_approved(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    record = facts.sealing
    if record is None or _approved_for(facts, "coercive_measure", record):
        return
    # EVID-04: in an emergency the request is made first (orally) and the written approval follows.
    if any(a.emergency and a.status == "pending" for a in facts.approvals_for("coercive_measure", approved=None)):
        return
    yield Violation(
        "登记保存、查封、扣押、封存须经单位负责人批准后方可实施;情况紧急的,应先登记紧急请示",
        subject=str(record.record_id),
    )


@rule(
    "deferral-approved",
    title="延期或分期缴纳罚款须当事人书面申请并经主要负责人批准",
    requirements=["EXEC-02", "EXEC-03"],
    severity=B,
    on=[on_seal("payment_schedule_decision")],
)
def deferral_approved(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    record = facts.sealing
    if record is None:
        return
    if not record.content.get("application_received_on"):
        yield Violation("延期或分期缴纳罚款须有当事人的书面申请", subject=str(record.record_id))
    if not _approved_for(facts, "payment_deferral", record):
        yield Violation("延期或分期缴纳罚款须经单位主要负责人批准", subject=str(record.record_id))


@rule(
    "disposal-approved",
    title="罚没物品的处置报主要负责人批准",
    requirements=["DISPOSAL-02"],
    severity=B,
    on=[on_seal("disposal_record")],
)
def disposal_approved(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    record = facts.sealing
    if record is not None and not _approved_for(facts, "disposal", record):
        yield Violation("罚没物品的处置须经单位主要负责人批准", subject=str(record.record_id))


@rule(
    "inquiry-identity-and-rights-first",
    title="询问前核对被询问人身份证明并告知其权利义务",
    requirements=["INV-10"],
    severity=B,
    on=[on_seal("inquiry_transcript")],
)
def inquiry_identity_and_rights_first(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    record = facts.sealing
    if record is None:
        return
    if record.content.get("identity_verified") is not True:
        yield Violation("询问前应当收集、核对被询问人的身份证明,笔录须载明已核对", subject=str(record.record_id))
    if record.content.get("rights_informed") is not True:
        yield Violation("询问前应当告知被询问人的权利和义务,笔录须载明已告知", subject=str(record.record_id))


@rule(
    "release-approved",
    title="解除登记保存和行政强制措施须报单位负责人批准",
    requirements=["EVID-05"],
    severity=B,
    on=[on_seal("measure_release_decision")],
)
def release_approved(facts: CaseFacts, params: Mapping[str, Any]) -> Iterable[Violation]:
    record = facts.sealing
    if record is None:
        return
    measure = record.content.get("measure_record")
    approved = [a for a in facts.approvals_for("release_measure") if a.record_id in (None, measure)]
    if not approved:
        yield Violation("解除登记保存或行政强制措施须经单位负责人批准,并说明解除理由", subject=str(record.record_id))
