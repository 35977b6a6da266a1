"""Demo records for each stage a demo case passes through, filled from the record-kind catalogue.

Values come from the kind's field schema (so the demo keeps working when the catalogue grows), with
realistic wording for the fields a reader looks at first.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from quancheng.cases.models import Case, CaseSource, Party, Procedure, Stage
from quancheng.evidence.storage import get_blob_store, stage_chunks
from quancheng.records import services as records
from quancheng.records.catalogue import get_kind
from quancheng.records.catalogue.schema import FieldSpec, FieldType, RecordKind
from quancheng.records.models import PersonRole, Record, SignatureMethod

from . import media

WORDING: dict[str, str] = {
    "findings": "现场发现货架上陈列的部分商品已超过保质期,当事人未能提供进货查验记录。",
    "facts": "当事人销售超过保质期的食品,货值金额较小,违法事实清楚。",
    "facts_evidence": "现场检查笔录、询问笔录、现场照片及进货凭证证明当事人存在上述违法行为。",
    "legal_basis": "《中华人民共和国食品安全法》第三十四条、第一百二十四条",
    "proposed_penalty": "警告,并处罚款",
    "penalty_types": "警告;罚款",
    "performance": "自收到本决定书之日起十五日内缴至指定银行",
    "remedy": "如不服本决定,可在收到之日起六十日内申请行政复议,或者六个月内提起行政诉讼",
    "agency_name": "示例市市场监督管理局",
    "approved_by": "钱局长",
    "opinion": "事实清楚,证据确凿,程序合法,同意承办人意见。",
    "handling_opinion": "建议依法给予警告并处罚款。",
    "summary": "本案已依法办理完毕。",
    "results": "当事人已履行处罚决定。",
    "document_served": "行政处罚决定书",
    "served_place": "当事人经营场所",
}

STAGE_KINDS: dict[Stage, tuple[str, ...]] = {
    Stage.PROGRAM_START: ("case_filing_approval",),
    Stage.INVESTIGATION_EVIDENCE: ("site_inspection_transcript", "inquiry_transcript"),
    Stage.REVIEW_DECISION: ("preliminary_review_opinion", "penalty_notice", "penalty_decision"),
    Stage.SERVICE_EXECUTION: ("service_receipt", "enforcement_report"),
}


def _value(spec: FieldSpec, ctx: dict[str, Any]) -> Any:
    if spec.name in WORDING and spec.type == FieldType.TEXT:
        return WORDING[spec.name]
    now = timezone.localtime()
    match spec.type:
        case FieldType.TEXT:
            return ctx["names"].get(spec.name) or f"{spec.label}(演示)"[: spec.max_length or 256]
        case FieldType.DATETIME:
            return (now - timedelta(hours=2)).isoformat()
        case FieldType.DATE:
            return now.date().isoformat()
        case FieldType.INTEGER:
            return spec.min_value if spec.min_value is not None else 1
        case FieldType.MONEY:
            return "2000"
        case FieldType.BOOLEAN:
            return True
        case FieldType.CHOICE:
            return spec.choices[0][0]
        case FieldType.CHOICES:
            return [value for value, _label in spec.choices]
        case FieldType.TEXT_LIST:
            return [f"{spec.label}(演示)"]
        case FieldType.PARTY:
            return ctx["party"].pk
        case FieldType.ROWS:
            if spec.name == "officers":
                return ctx["officers"]
            return [{column.name: _value(column, ctx) for column in spec.columns if column.required}]
    raise AssertionError(spec.type)


def sample_content(kind: RecordKind, ctx: dict[str, Any]) -> dict[str, Any]:
    return {spec.name: _value(spec, ctx) for spec in kind.fields if spec.required}


def _sign_every_page(record: Record, *, actor: Any, party: Party, seed: int) -> None:
    """INV-12: the person questioned or inspected signs each page of a 笔录."""
    staged = stage_chunks(get_blob_store(), [media.png(32, 16, 200 + seed)])
    # The signature image is kept as media of the case, so the court sees the very mark that was made.
    from quancheng.evidence import services as evidence

    image = evidence.media_ingest(
        actor=actor,
        case=record.case,
        stored=staged,
        kind="photo",
        content_type="image/png",
        original_name=f"签名-{record.pk}.png",
    )
    for page in range(1, record.page_count + 1):
        records.signature_add(
            actor=actor,
            record=record,
            signer_name=party.legal_representative or party.name,
            signer_role=PersonRole.INTERVIEWEE if record.kind == "inquiry_transcript" else PersonRole.PARTY,
            method=SignatureMethod.HANDWRITTEN,
            page=page,
            image_sha256=image.blob_id,
        )


def add_stage_records(
    *, case: Case, stage: Stage, author: Any, partner: Any, party: Party, users: dict[str, Any]
) -> list[Record]:
    officers = [
        {"name": user.full_name, "certificate_number": user.certificates.order_by("-valid_to").first().number}
        for user in (author, partner)
    ]
    ctx = {
        "party": party,
        "officers": officers,
        "names": {
            "interviewee_name": party.legal_representative or party.name,
            "interviewee_id_document": "居民身份证",
            "recipient": party.name,
            "recorder": partner.full_name,
            "reviewer": users["fazhi"].full_name,
        },
    }
    kinds = STAGE_KINDS.get(stage, ())
    if stage == Stage.PROGRAM_START and case.source == CaseSource.COMPLAINT:
        kinds = ("complaint_registration", *kinds)
    if case.procedure == Procedure.SIMPLE:
        kinds = {Stage.PROGRAM_START: ("on_the_spot_penalty_decision",)}.get(stage, ("service_receipt",))
    made: list[Record] = []
    start = timezone.now() - timedelta(hours=3)
    for number, code in enumerate(kinds):
        kind = get_kind(code)
        participants = [
            {"name": o["name"], "role": PersonRole.OFFICER, "certificate_number": o["certificate_number"]}
            for o in officers
        ]
        if kind.max_interviewees:
            participants.append({"name": ctx["names"]["interviewee_name"], "role": PersonRole.INTERVIEWEE})
        content = sample_content(kind, ctx)
        if code == "on_the_spot_penalty_decision":
            content.update(penalty_type="warning", document_number=f"{case.number}-当场")
        record = records.record_draft(
            actor=author,
            case=case,
            kind=code,
            content=content,
            activity_started_at=start + timedelta(minutes=30 * number),
            activity_ended_at=start + timedelta(minutes=30 * number + 25),
            place=case.occurred_place or "示例市",
            participants=participants,
            page_count=2 if kind.per_page_signatures else 1,
        )
        records.record_seal(actor=author, record=record)
        record.refresh_from_db()
        if kind.per_page_signatures:
            _sign_every_page(record, actor=author, party=party, seed=record.pk)
        made.append(record)
    return made
