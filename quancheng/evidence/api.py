"""Media evidence API: upload (streamed and hashed while written), list, metadata, download."""

from __future__ import annotations

import pydantic
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotModified
from ninja import Router, Status
from ninja.decorators import decorate_view
from ninja.errors import ValidationError

from quancheng.cases.selectors import case_get_for_write
from quancheng.core.parser import text_problem
from quancheng.records.selectors import record_get_for

from . import selectors, services
from .models import MediaObject
from .schemas import CONTENT_OPENAPI, ERRORS, UPLOAD_OPENAPI, MediaAttachIn, MediaOut, MediaUploadForm
from .uploads import declared_sha256, streaming_upload, uploaded_file

router = Router(tags=["evidence"])
# Endpoints under /cases/{case_id}/... that belong to this app.
case_router = Router(tags=["evidence"])

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


@router.get("/{media_id}", response={200: MediaOut, **ERRORS}, summary="音像资料信息")
def media_detail(request: HttpRequest, media_id: int) -> MediaObject:
    return selectors.media_get_for(request.auth, media_id)


@router.post("/{media_id}/record", response={200: MediaOut, **ERRORS}, summary="关联文字记录")
def media_attach(request: HttpRequest, media_id: int, payload: MediaAttachIn) -> MediaObject:
    media = selectors.media_get_for(request.auth, media_id)
    record = record_get_for(request.auth, payload.record_id)
    return services.media_attach(actor=request.auth, media=media, record=record)


@router.get(
    "/{media_id}/content",
    url_name="media_content",
    response=ERRORS,
    openapi_extra=CONTENT_OPENAPI,
    summary="下载音像资料",
)
def media_content(request: HttpRequest, media_id: int) -> HttpResponse | FileResponse:
    media = selectors.media_get_for(request.auth, media_id)
    etag = f'"{media.blob_id}"'
    # The content never changes under an id (it is addressed by its SHA-256), so the digest is a strong ETag.
    if etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
        response: HttpResponse | FileResponse = HttpResponseNotModified()
    else:
        response = FileResponse(
            selectors.media_open(media),
            content_type=media.content_type,
            as_attachment=not media.content_type.startswith(_INLINE_PREFIXES),
            filename=media.original_name or media.blob_id,
        )
        response["Content-Length"] = str(media.blob.size)
        response["X-Content-SHA256"] = media.blob_id
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response
