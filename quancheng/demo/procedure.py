"""Walk a case through its procedure the way an agency does: for each lifecycle action, the records it rests
on (drafted, signed where the law says, sealed), the approvals it waits for (asked by the handler, decided by
the head the rule names), then the transition — every write through the services, so every rule applies.

The demo builds its cases with this, and tests use it to bring a case to a step before testing what comes next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone

from quancheng.accounts.models import User
from quancheng.cases import services as cases
from quancheng.cases import workflow
from quancheng.cases.models import ApprovalAction, Case, CaseSource, Party, Procedure, Stage, Step
from quancheng.evidence.storage import get_blob_store, stage_chunks
from quancheng.records import services as records
from quancheng.records.catalogue import get_kind
from quancheng.records.models import PersonRole, Record, SignatureMethod

from . import media
from .records import sample_content

# The general procedure's main line, and the steps each stage is first reached at.
GENERAL_PATH: tuple[tuple[str, Step], ...] = (
    ("file_case", Step.INVESTIGATION),
    ("submit_for_review", Step.LEGAL_REVIEW),
    ("notify", Step.NOTICE),
    ("decide", Step.DECIDED),
    ("serve_decision", Step.EXECUTION),
    ("close_case", Step.CLOSED),
    ("archive", Step.ARCHIVED),
)
COURT_PATH: tuple[tuple[str, Step], ...] = (
    *GENERAL_PATH[:5],
    ("issue_demand", Step.DEMAND),
    ("apply_to_court", Step.COURT_ENFORCEMENT),
    ("close_case", Step.CLOSED),
    ("archive", Step.ARCHIVED),
)
SIMPLE_PATH: tuple[tuple[str, Step], ...] = (
    ("impose_on_the_spot", Step.EXECUTION),
    ("close_case", Step.CLOSED),
    ("archive", Step.ARCHIVED),
)
STEP_FOR_STAGE: dict[Stage, Step] = {
    Stage.PROGRAM_START: Step.CLUE,
    Stage.INVESTIGATION_EVIDENCE: Step.INVESTIGATION,
    Stage.REVIEW_DECISION: Step.LEGAL_REVIEW,
    Stage.SERVICE_EXECUTION: Step.EXECUTION,
    Stage.ARCHIVE: Step.ARCHIVED,
}
# The party received the 催告书 this long ago in a walked case, so the waiting period (DEADLINE-07) is over.
DEMAND_SERVED_DAYS_AGO = 30


@dataclass
class Cast:
    """Who does what: two certified handlers, the heads who approve, the legal reviewer, and the party."""

    author: User
    partner: User
    principal_head: User
    unit_head: User
    reviewer: User
    party: Party
    leader: User | None = None
    _signature_image: str = field(default="", repr=False)


def _ctx(case: Case, cast: Cast) -> dict[str, Any]:
    officers = []
    for user in (cast.author, cast.partner):
        cert = user.certificates.order_by("-valid_to").first()
        officers.append({"name": user.full_name, "certificate_number": cert.number if cert else "—"})
    party = cast.party
    return {
        "party": party,
        "officers": officers,
        "names": {
            "interviewee_name": party.legal_representative or party.name,
            "interviewee_id_document": "居民身份证",
            "recipient": party.name,
            "recorder": cast.partner.full_name,
            "reviewer": cast.reviewer.full_name,
            "host_name": cast.reviewer.full_name,
            "court": "示例市人民法院",
        },
    }


def signature_image(case: Case, cast: Cast) -> str:
    """The SHA-256 of a stored signature image (kept as media of the case, so the court sees the mark made)."""
    if not cast._signature_image:
        from quancheng.evidence import services as evidence

        image = evidence.media_ingest(
            actor=cast.author,
            case=case,
            stored=stage_chunks(get_blob_store(), [media.png(32, 16, 200 + case.pk)]),
            kind="photo",
            content_type="image/png",
            original_name=f"签名-{case.pk}.png",
        )
        cast._signature_image = image.blob_id
    return cast._signature_image


def _sign(record: Record, cast: Cast, *, name: str, role: PersonRole, page: int | None, user: User | None) -> None:
    records.signature_add(
        actor=cast.author,
        record=record,
        signer_name=name,
        signer_role=role,
        method=SignatureMethod.HANDWRITTEN,
        page=page,
        image_sha256=signature_image(record.case, cast),
        signer_user=user,
    )


def sign_as_required(record: Record, cast: Cast) -> None:
    """The signatures the seal rules ask for: the person questioned on every page of a 笔录 and the officers
    (INV-11, STAFF-03, GEN-06); host and participants of a hearing (REVIEW-12); all attendees of a joint review
    (REVIEW-05); handler and party on an on-the-spot decision (DECIDE-03); the party on an oral hearing request."""
    kind = get_kind(record.kind)
    party_name = cast.party.legal_representative or cast.party.name
    if kind.per_page_signatures and record.kind != "hearing_transcript":
        role = PersonRole.INTERVIEWEE if record.kind == "inquiry_transcript" else PersonRole.PARTY
        for page in range(1, record.page_count + 1):
            _sign(record, cast, name=party_name, role=role, page=page, user=None)
        _sign(record, cast, name=cast.author.full_name, role=PersonRole.OFFICER, page=1, user=cast.author)
    elif record.kind == "hearing_transcript":
        for page in range(1, record.page_count + 1):
            _sign(record, cast, name=cast.reviewer.full_name, role=PersonRole.HEARING_HOST, page=page, user=None)
            _sign(record, cast, name=party_name, role=PersonRole.HEARING_PARTICIPANT, page=page, user=None)
    elif record.kind == "collective_discussion":
        for attendee in record.content.get("attendees") or []:
            _sign(record, cast, name=str(attendee)[:64], role=PersonRole.ATTENDEE, page=None, user=None)
    elif record.kind == "on_the_spot_penalty_decision":
        _sign(record, cast, name=cast.author.full_name, role=PersonRole.OFFICER, page=None, user=cast.author)
        _sign(record, cast, name=party_name, role=PersonRole.PARTY, page=None, user=None)
    elif record.kind == "hearing_request" and record.content.get("form") == "oral":
        _sign(record, cast, name=party_name, role=PersonRole.PARTY, page=None, user=None)


def make_record(case: Case, cast: Cast, code: str, *, sign: bool = True, seal: bool = True, **content: Any) -> Record:
    """Draft a record of ``code`` with sample content (``content`` overrides), sign it as required, seal it."""
    case.refresh_from_db()
    kind = get_kind(code)
    ctx = _ctx(case, cast)
    values = sample_content(kind, ctx)
    values.update(content)
    participants = [
        {"name": o["name"], "role": PersonRole.OFFICER, "certificate_number": o["certificate_number"]}
        for o in ctx["officers"]
    ]
    if kind.max_interviewees:
        participants.append({"name": ctx["names"]["interviewee_name"], "role": PersonRole.INTERVIEWEE})
    start = timezone.now() - timedelta(hours=2)
    record = records.record_draft(
        actor=cast.author,
        case=case,
        kind=code,
        content=values,
        activity_started_at=start,
        activity_ended_at=start + timedelta(minutes=45),
        place=case.occurred_place or "示例市",
        participants=participants,
        page_count=2 if kind.per_page_signatures else 1,
    )
    if sign:
        sign_as_required(record, cast)
    if seal:
        records.record_seal(actor=cast.author, record=record)
    record.refresh_from_db()
    return record


def approve(
    case: Case, cast: Cast, action: ApprovalAction, *, record: Record | None = None, data: dict | None = None
) -> None:
    """Ask for ``action``'s approval as the handler and grant it as the head the rule names."""
    approval = cases.approval_request(
        actor=cast.author, case=case, action=action, reason="演示:按规定报请批准", record=record, data=data or {}
    )
    role = workflow.APPROVER_ROLE[action]
    approver = {
        "principal_head": cast.principal_head,
        "unit_head": cast.unit_head,
        "leader_in_charge": cast.leader or cast.principal_head,
    }[role.value]
    cases.approval_decide(actor=approver, approval=approval, approve=True, comment="同意")


def prepare(case: Case, cast: Cast, action: str) -> None:
    """Make what ``action``'s blocking rules ask for."""
    case.refresh_from_db()
    if action == "file_case":
        if case.source == CaseSource.COMPLAINT:
            make_record(case, cast, "complaint_registration")
        make_record(case, cast, "case_filing_approval")
        approve(case, cast, ApprovalAction.FILE_CASE)
    elif action == "decline_filing":
        make_record(case, cast, "non_initiation_record")
    elif action == "impose_on_the_spot":
        make_record(case, cast, "on_the_spot_penalty_decision", penalty_type="warning")
    elif action == "submit_for_review":
        make_record(case, cast, "site_inspection_transcript")
        make_record(case, cast, "inquiry_transcript")
        make_record(case, cast, "investigation_report")
    elif action == "notify":
        make_record(case, cast, "preliminary_review_opinion")
        make_record(case, cast, "penalty_notice")
        make_record(case, cast, "service_receipt", served_kind="penalty_notice", document_served="行政处罚告知书")
    elif action == "decide":
        make_record(case, cast, "statement_defence_transcript", waived_rights=True)
        make_record(case, cast, "penalty_decision")
        approve(case, cast, ApprovalAction.PENALTY_DECISION)
    elif action == "serve_decision":
        make_record(case, cast, "service_receipt", served_kind="penalty_decision", document_served="行政处罚决定书")
    elif action == "issue_demand":
        make_record(case, cast, "payment_reminder")
    elif action == "apply_to_court":
        served = timezone.localtime() - timedelta(days=DEMAND_SERVED_DAYS_AGO)
        make_record(
            case,
            cast,
            "service_receipt",
            served_kind="payment_reminder",
            document_served="催告书",
            served_at=served.isoformat(),
        )
        make_record(case, cast, "court_enforcement_application")
    elif action == "close_case":
        make_record(case, cast, "enforcement_report")


def path_for(case: Case, target: Step) -> Sequence[tuple[str, Step]]:
    if target == Step.NOT_FILED:
        return (("decline_filing", Step.NOT_FILED),)
    if case.procedure == Procedure.SIMPLE:
        return SIMPLE_PATH
    if target in (Step.DEMAND, Step.COURT_ENFORCEMENT):
        return COURT_PATH
    return GENERAL_PATH


def walk(case: Case, cast: Cast, target: Step | str, *, note: str = "") -> Case:
    """Take ``case`` from where it is to ``target`` along its procedure's main line."""
    target = Step(target)
    case.refresh_from_db()
    path = path_for(case, target)
    targets = [step for _action, step in path]
    if target != Step.CLUE and target not in targets:
        raise ValueError(f"{target} is not on the {case.procedure} path")
    for action, step in path:
        case.refresh_from_db()
        if case.step == target:
            break
        if Step(case.step) not in workflow.ACTIONS_BY_CODE[action].sources:
            continue  # already past this action
        prepare(case, cast, action)
        cases.case_transition(actor=cast.author, case=case, action=action, note=note)
        if step == target:
            break
    case.refresh_from_db()
    return case


def walk_to_stage(case: Case, cast: Cast, stage: Stage | str) -> Case:
    return walk(case, cast, STEP_FOR_STAGE[Stage(stage)])
