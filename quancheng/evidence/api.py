"""Media evidence API: upload (streamed and hashed while written), list, metadata, playback with HTTP Range,
download, custody (who accessed what, and why), linking, retention and holds; and the device registry."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any, BinaryIO

import pydantic
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from ninja import Router, Status
from ninja.decorators import decorate_view
from ninja.errors import ValidationError

from quancheng.accounts.auth import ActiveSessionAuth, ApiTokenAuth
from quancheng.cases.selectors import case_get_for, case_get_for_write, officers_for_assignment
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.core.parser import text_problem
from quancheng.records.selectors import record_get_for
from quancheng.uploads.auth import DeviceTokenAuth

from . import selectors, services
from .custody import clean_purpose
from .models import AccessAction, Device, DeviceCheckout, DeviceManifest, LegalHold, MediaAccess, MediaObject
from .schemas import (
    CONTENT_ERRORS,
    CONTENT_OPENAPI,
    ERRORS,
    UPLOAD_OPENAPI,
    AccessOut,
    CheckIn,
    CheckoutIn,
    CheckoutOut,
    CopyIn,
    DayReportOut,
    DeviceIn,
    DeviceOut,
    HoldIn,
    HoldOut,
    ManifestIn,
    ManifestOut,
    MediaAttachIn,
    MediaLinkIn,
    MediaOut,
    MediaUploadForm,
    RetentionIn,
    ReturnIn,
)
from .storage import CHUNK
from .uploads import declared_sha256, streaming_upload, uploaded_file

router = Router(tags=["evidence"])
# Endpoints under /cases/{case_id}/... that belong to this app.
case_router = Router(tags=["evidence"])
# The device registry, checkout/return and completeness reports, mounted at /devices.
device_router = Router(tags=["devices"])

PURPOSE_HEADER = "X-Access-Purpose"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")

# Served inline only when a browser cannot run it as a page or script; anything else (HTML, SVG, ...) is a
# download, so uploaded content can never execute in our origin.
_INLINE_PREFIXES = ("image/jpeg", "image/png", "image/gif", "image/webp", "video/", "audio/", "application/pdf")


def _upload_form(request: HttpRequest) -> MediaUploadForm:
    data = {key: value for key, value in request.POST.items() if value != ""}
    # The form is read here, not by ninja's parser, so the parser's text rules (no NUL: PostgreSQL) apply here.
    unstorable = [
        {"loc": ("form", key), "msg": problem, "type": "unstorable_value"}
        for key, value in data.items()
        if (problem := text_problem(value))
    ]
    if unstorable:
        raise ValidationError(unstorable)
    try:
        return MediaUploadForm.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError(
            [{"loc": ("form", *err["loc"]), "msg": err["msg"], "type": err["type"]} for err in exc.errors()]
        ) from exc


@case_router.post(
    "/{case_id}/media", response={201: MediaOut, **ERRORS}, openapi_extra=UPLOAD_OPENAPI, summary="上传音像资料"
)
@decorate_view(streaming_upload)
def media_upload(request: HttpRequest, case_id: int) -> tuple[int, MediaObject]:
    # The case is resolved (404/403) before the body is read: a refused upload costs no disk writes.
    case = case_get_for_write(request.auth, case_id)
    upload = uploaded_file(request)  # reads the body through HashingUploadHandler
    form = _upload_form(request)
    media = services.media_ingest(
        actor=request.auth,
        case=case,
        stored=upload.staged,
        kind=form.kind,
        content_type=upload.content_type or "",
        original_name=upload.name or "",
        captured_at=form.captured_at,
        device=selectors.device_for_upload(request.auth, form.device_serial) if form.device_serial else None,
        officer=request.auth,
        record=record_get_for(request.auth, form.record_id) if form.record_id is not None else None,
        expected_sha256=declared_sha256(request, form.sha256),
    )
    return Status(201, media)


@case_router.get("/{case_id}/media", response={200: list[MediaOut], **ERRORS}, summary="案件的音像资料")
def media_list(request: HttpRequest, case_id: int) -> list[MediaObject]:
    return list(selectors.media_list_for(request.auth, case_id))


@router.get("/unlinked", response={200: list[MediaOut], **ERRORS}, summary="未关联案件的音像资料")
def media_unlinked(request: HttpRequest) -> list[MediaObject]:
    return list(selectors.media_unlinked_for(request.auth))


def _purpose(request: HttpRequest, purpose: str | None) -> str | None:
    return purpose or request.headers.get(PURPOSE_HEADER) or None


@router.get("/{media_id}", response={200: MediaOut, **ERRORS}, summary="音像资料信息")
def media_detail(request: HttpRequest, media_id: int, purpose: str | None = None) -> MediaObject:
    media = selectors.media_get_for(request.auth, media_id)
    # ACCESS-05/06: a metadata read is logged too; its purpose is optional (it hands out no content).
    services.media_access_record(
        actor=request.auth, media=media, action=AccessAction.VIEW, purpose=_purpose(request, purpose)
    )
    return media


@router.post("/{media_id}/record", response={200: MediaOut, **ERRORS}, summary="关联文字记录")
def media_attach(request: HttpRequest, media_id: int, payload: MediaAttachIn) -> MediaObject:
    media = selectors.media_get_for(request.auth, media_id)
    record = record_get_for(request.auth, payload.record_id)
    return services.media_attach(actor=request.auth, media=media, record=record)


@router.post("/{media_id}/case", response={200: MediaOut, **ERRORS}, summary="关联案件及环节")
def media_link_case(request: HttpRequest, media_id: int, payload: MediaLinkIn) -> MediaObject:
    media = selectors.media_get_for(request.auth, media_id)
    case = case_get_for_write(request.auth, payload.case_id)
    record = record_get_for(request.auth, payload.record_id) if payload.record_id is not None else None
    return services.media_link_case(actor=request.auth, media=media, case=case, stage=payload.stage, record=record)


@router.post("/{media_id}/retention", response={200: MediaOut, **ERRORS}, summary="设定保存类别")
def media_retention(request: HttpRequest, media_id: int, payload: RetentionIn) -> MediaObject:
    media = selectors.media_get_for(request.auth, media_id)
    return services.media_set_retention(actor=request.auth, media=media, retention_class=payload.retention_class)


@router.get("/{media_id}/holds", response={200: list[HoldOut], **ERRORS}, summary="保全记录")
def media_holds(request: HttpRequest, media_id: int) -> list[LegalHold]:
    return list(selectors.media_holds_for(request.auth, media_id))


@router.post("/{media_id}/holds", response={201: HoldOut, **ERRORS}, summary="设定保全")
def media_hold_place(request: HttpRequest, media_id: int, payload: HoldIn) -> tuple[int, LegalHold]:
    media = selectors.media_get_for(request.auth, media_id)
    return Status(201, services.media_hold_place(actor=request.auth, media=media, reason=payload.reason))


@router.post("/{media_id}/holds/{hold_id}/release", response={200: HoldOut, **ERRORS}, summary="解除保全")
def media_hold_release(request: HttpRequest, media_id: int, hold_id: int, payload: HoldIn) -> LegalHold:
    hold = selectors.media_holds_for(request.auth, media_id).filter(pk=hold_id).first()
    if hold is None:
        raise DomainError(ErrorCode.NOT_FOUND, "保全记录不存在")
    return services.media_hold_release(actor=request.auth, hold=hold, reason=payload.reason)


@router.get("/{media_id}/custody", response={200: list[AccessOut], **ERRORS}, summary="调阅记录(谁看过、复制过)")
def media_custody(request: HttpRequest, media_id: int) -> list[MediaAccess]:
    return list(selectors.media_access_list_for(request.auth, media_id))


@router.post("/{media_id}/shares", response={201: AccessOut, **CONTENT_ERRORS}, summary="登记提供音像资料")
def media_share(request: HttpRequest, media_id: int, payload: CopyIn) -> tuple[int, MediaAccess]:
    return Status(201, _copy(request, media_id, payload, AccessAction.SHARE))


@router.post("/{media_id}/exports", response={201: AccessOut, **CONTENT_ERRORS}, summary="登记导出音像资料")
def media_export(request: HttpRequest, media_id: int, payload: CopyIn) -> tuple[int, MediaAccess]:
    return Status(201, _copy(request, media_id, payload, AccessAction.EXPORT))


def _copy(request: HttpRequest, media_id: int, payload: CopyIn, action: AccessAction) -> MediaAccess:
    media = selectors.media_get_for(request.auth, media_id)
    return services.media_access_record(
        actor=request.auth,
        media=media,
        action=action,
        purpose=payload.purpose,
        recipient=payload.recipient,
        note=payload.note,
    )


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """One ``bytes=`` range of RFC 9110 §14.1.2 as (first, last) inclusive, clamped to ``size``; ``None`` when the
    header asks for several ranges (the whole file is then served, as RFC 9110 allows). A malformed, inverted or
    unsatisfiable range is RANGE_NOT_SATISFIABLE (416)."""
    header = header.strip()
    if "," in header:
        return None
    match = _RANGE.match(header.replace(" ", ""))
    if match is None or match.group(1) == match.group(2) == "":
        raise DomainError(ErrorCode.RANGE_NOT_SATISFIABLE, f"无法解析的字节范围:{header[:64]}")
    first, last = match.group(1), match.group(2)
    if first == "":  # suffix: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise DomainError(ErrorCode.RANGE_NOT_SATISFIABLE)
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        raise DomainError(ErrorCode.RANGE_NOT_SATISFIABLE)
    return start, min(end, size - 1)


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := stream.read(CHUNK):
            yield chunk
    finally:
        stream.close()


@router.get(
    "/{media_id}/content",
    url_name="media_content",
    response=CONTENT_ERRORS,
    openapi_extra=CONTENT_OPENAPI,
    summary="播放或下载音像资料(支持 Range;须说明用途)",
)
def media_content(request: HttpRequest, media_id: int, purpose: str | None = None) -> HttpResponse:
    """Playback (a ``Range`` request: 206) or download (the whole file: 200), each logged with its purpose.

    The purpose (query ``purpose`` or header ``X-Access-Purpose``, one of ``AccessPurpose``) is required
    (ACCESS-05); the custody entry is written before a byte is sent. A download is logged every time; Range
    requests of one viewing (same user, media and purpose, within ``QUANCHENG_PLAYBACK_CUSTODY_WINDOW_SECONDS``)
    share the first one's entry.
    """
    media = selectors.media_get_for(request.auth, media_id)
    purpose = clean_purpose(_purpose(request, purpose), required=True)
    if selectors.media_is_disposed(media):
        raise DomainError(ErrorCode.MEDIA_DISPOSED)
    size = media.blob.size
    etag = f'"{media.blob_id}"'
    # The content never changes under an id (it is addressed by its SHA-256), so the digest is a strong ETag.
    if etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
        response: HttpResponse = HttpResponseNotModified()
        response["ETag"] = etag
        return response
    header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    span = parse_range(header, size) if header and (if_range is None or if_range.strip() == etag) else None
    if span is None:
        services.media_access_record(actor=request.auth, media=media, action=AccessAction.DOWNLOAD, purpose=purpose)
        response = FileResponse(
            selectors.media_open(media),
            content_type=media.content_type,
            as_attachment=not media.content_type.startswith(_INLINE_PREFIXES),
            filename=media.original_name or media.blob_id,
        )
        response["Content-Length"] = str(size)
    else:
        start, end = span
        # One custody entry per viewing: the seeks that follow within the playback window are covered by it.
        services.media_playback_record(actor=request.auth, media=media, purpose=purpose, byte_range=f"{start}-{end}")
        response = StreamingHttpResponse(
            _chunks(selectors.media_open_range(media, start, end)), status=206, content_type=media.content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
        if not media.content_type.startswith(_INLINE_PREFIXES):
            response["Content-Disposition"] = "attachment"
    response["X-Content-SHA256"] = media.blob_id
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


@router.get(
    "/{media_id}/preview",
    url_name="media_preview",
    response=ERRORS,
    openapi_extra={"responses": {200: {"description": "预览图(JPEG)", "content": {"image/jpeg": {}}}}},
    summary="预览图(视频首帧或照片缩略图)",
)
def media_preview(request: HttpRequest, media_id: int, purpose: str | None = None) -> HttpResponse:
    media = selectors.media_get_for(request.auth, media_id)
    stream = selectors.media_preview_open(media)
    # The preview shows the content: logged as a view of the media.
    services.media_access_record(
        actor=request.auth, media=media, action=AccessAction.VIEW, purpose=_purpose(request, purpose), note="预览图"
    )
    response = FileResponse(stream, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-cache"
    return response


# --- devices ------------------------------------------------------------------------------------------------------


@device_router.get("", response={200: list[DeviceOut], **ERRORS}, summary="执法记录仪登记簿")
def device_list(request: HttpRequest) -> list[Device]:
    return list(selectors.device_list_for(request.auth))


@device_router.post("", response={201: DeviceOut, **ERRORS}, summary="登记设备")
def device_register(request: HttpRequest, payload: DeviceIn) -> tuple[int, Device]:
    user = request.auth
    if user.agency_id is None:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "只能登记本机关的设备")
    device = services.device_register(
        actor=user, agency=user.agency, serial=payload.serial, model=payload.model, device_type=payload.device_type
    )
    return Status(201, device)


@device_router.get("/{device_id}", response={200: DeviceOut, **ERRORS}, summary="设备信息")
def device_detail(request: HttpRequest, device_id: int) -> Device:
    return selectors.device_get_for(request.auth, device_id)


def _check(data: CheckIn) -> services.EquipmentCheck:
    return services.EquipmentCheck(**data.dict())


@device_router.post("/{device_id}/checkouts", response={201: CheckoutOut, **ERRORS}, summary="领用(含装备检查)")
def device_checkout(request: HttpRequest, device_id: int, payload: CheckoutIn) -> tuple[int, DeviceCheckout]:
    device = selectors.device_get_for(request.auth, device_id)
    (holder,) = officers_for_assignment(request.auth, agency_id=device.agency_id, user_ids=[payload.holder_id])
    case = case_get_for(request.auth, payload.case_id) if payload.case_id is not None else None
    checkout = services.device_checkout(
        actor=request.auth,
        device=device,
        holder=holder,
        check=_check(payload.check),
        case=case,
        purpose=payload.purpose,
    )
    return Status(201, checkout)


@device_router.get("/{device_id}/checkouts", response={200: list[CheckoutOut], **ERRORS}, summary="领用归还记录")
def device_checkouts(request: HttpRequest, device_id: int) -> list[DeviceCheckout]:
    return list(selectors.device_checkouts_for(request.auth, device_id))


@device_router.post(
    "/checkouts/{checkout_id}/return", response={200: CheckoutOut, **ERRORS}, summary="归还(含装备检查)"
)
def device_return(request: HttpRequest, checkout_id: int, payload: ReturnIn) -> DeviceCheckout:
    checkout = selectors.checkout_get_for(request.auth, checkout_id)
    return services.device_return(actor=request.auth, checkout=checkout, check=_check(payload.check))


@device_router.post(
    "/{device_id}/manifests",
    response={201: ManifestOut, **ERRORS},
    summary="报送设备文件清单(用户令牌或设备令牌)",
    # DEVICE-04: the recorder reports its own files with the token it uploads with; officers may report for it.
    auth=[DeviceTokenAuth(), ApiTokenAuth(), ActiveSessionAuth()],
)
def device_manifest(request: HttpRequest, device_id: int, payload: ManifestIn) -> tuple[int, DeviceManifest]:
    items = [services.ManifestItem(**item.dict()) for item in payload.items]
    auth: Any = request.auth
    if isinstance(auth, Device):  # a device token: for itself, or a capture station for its agency's recorders
        device = selectors.device_get_for_device(auth, device_id)
        manifest = services.device_manifest_submit(
            actor=None, device=device, day=payload.day, items=items, submitted_by_device=auth
        )
    else:
        device = selectors.device_get_for(auth, device_id)
        manifest = services.device_manifest_submit(actor=auth, device=device, day=payload.day, items=items)
    return Status(201, manifest)


@device_router.get("/{device_id}/report", response={200: DayReportOut, **ERRORS}, summary="当日音像资料完整性")
def device_report(request: HttpRequest, device_id: int, day: date) -> dict[str, Any]:
    report = selectors.device_day_report(request.auth, device_id, day)
    return {
        "device_id": report.device.pk,
        "serial": report.device.serial,
        "day": report.day,
        "manifests": report.manifests,
        "complete": report.complete,
        "reported": report.reported,
        "received": report.received,
        "missing": report.missing,
        "extra": report.extra,
    }
