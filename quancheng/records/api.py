"""Records API: the catalogue at /api/v1/records/kinds, records at /api/v1/records/{id}, and a case's
records at /api/v1/cases/{case_id}/records (``case_router``).

Thin: parse with the schema, resolve ids through selectors (which enforce visibility), call one service,
answer with the record as the user now sees it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from quancheng.cases.selectors import case_get_for_write

from . import selectors, services
from .catalogue import KINDS
from .models import Record
from .schemas import (
    ERRORS,
    CorrectionIn,
    KindOut,
    RecordIn,
    RecordOut,
    RecordPatchIn,
    SignatureIn,
    SignatureOut,
    kind_out,
    participants_data,
)

router = Router(tags=["records"])
# Endpoints under /cases/{case_id}/... that belong to this app.
case_router = Router(tags=["records"])


@router.get("/kinds", response={200: list[KindOut], **ERRORS}, summary="文书类型目录")
def kind_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [kind_out(kind) for kind in KINDS]


@case_router.post("/{case_id}/records", response={201: RecordOut, **ERRORS}, summary="起草记录")
def record_draft(request: HttpRequest, case_id: int, payload: RecordIn) -> tuple[int, Record]:
    user = request.auth
    case = case_get_for_write(user, case_id)
    record = services.record_draft(
        actor=user,
        case=case,
        kind=payload.kind,
        content=payload.content,
        activity_started_at=payload.activity_started_at,
        activity_ended_at=payload.activity_ended_at,
        place=payload.place,
        participants=participants_data(payload.participants),
        page_count=payload.page_count,
    )
    return Status(201, selectors.record_get_for(user, record.pk))


@case_router.get("/{case_id}/records", response={200: list[RecordOut], **ERRORS}, summary="案件的记录")
def record_list(request: HttpRequest, case_id: int, current_only: bool = False) -> list[Record]:
    return list(selectors.record_list_for(request.auth, case_id, current_only=current_only))


@router.get("/{record_id}", response={200: RecordOut, **ERRORS}, summary="记录详情")
def record_detail(request: HttpRequest, record_id: int) -> Record:
    return selectors.record_get_for(request.auth, record_id)


@router.patch("/{record_id}", response={200: RecordOut, **ERRORS}, summary="修改草稿")
def record_update_draft(request: HttpRequest, record_id: int, payload: RecordPatchIn) -> Record:
    user = request.auth
    record = selectors.record_get_for(user, record_id)
    changes: dict[str, Any] = payload.model_dump(exclude_unset=True, exclude={"participants"})
    if "participants" in payload.model_fields_set:
        changes["participants"] = participants_data(payload.participants or [])
    for key in ("content", "place", "page_count"):
        if key in changes and changes[key] is None:
            del changes[key]  # null means "unchanged" for these; only the times can be cleared
    services.record_update_draft(actor=user, record=record, **changes)
    return selectors.record_get_for(user, record_id)


@router.post("/{record_id}/seal", response={200: RecordOut, **ERRORS}, summary="封存记录")
def record_seal(request: HttpRequest, record_id: int) -> Record:
    user = request.auth
    record = selectors.record_get_for(user, record_id)
    services.record_seal(actor=user, record=record)
    return selectors.record_get_for(user, record_id)


@router.post("/{record_id}/corrections", response={201: RecordOut, **ERRORS}, summary="更正记录")
def record_correct(request: HttpRequest, record_id: int, payload: CorrectionIn) -> tuple[int, Record]:
    user = request.auth
    record = selectors.record_get_for(user, record_id)
    optional: dict[str, Any] = payload.model_dump(
        exclude_unset=True, include={"activity_started_at", "activity_ended_at", "place", "page_count"}
    )
    optional = {k: v for k, v in optional.items() if v is not None or k.startswith("activity_")}
    if payload.participants is not None:
        optional["participants"] = participants_data(payload.participants)
    correction = services.record_correct(
        actor=user, record=record, content=payload.content, reason=payload.reason, seal=payload.seal, **optional
    )
    return Status(201, selectors.record_get_for(user, correction.pk))


@router.post("/{record_id}/signatures", response={201: SignatureOut, **ERRORS}, summary="签名或注明拒签")
def signature_add(request: HttpRequest, record_id: int, payload: SignatureIn) -> tuple[int, Any]:
    user = request.auth
    record = selectors.record_get_for(user, record_id)
    signer_user = None
    if payload.signer_user_id is not None:
        signer_user = selectors.colleague_get_for(user, payload.signer_user_id)
    signature = services.signature_add(
        actor=user,
        record=record,
        signer_name=payload.signer_name,
        signer_role=payload.signer_role,
        method=payload.method,
        page=payload.page,
        image_sha256=payload.image_sha256,
        refusal_reason=payload.refusal_reason,
        witness_name=payload.witness_name,
        signer_user=signer_user,
    )
    return Status(201, signature)


@router.get("/{record_id}/history", response={200: list[RecordOut], **ERRORS}, summary="记录的更正链")
def record_history(request: HttpRequest, record_id: int) -> list[Record]:
    return selectors.record_chain_for(request.auth, record_id)
