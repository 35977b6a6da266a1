"""The tus 1.0.0 endpoint: plain Django views (tus needs OPTIONS/HEAD/PATCH/DELETE with its own headers and an
``application/offset+octet-stream`` body read as a stream, which an OpenAPI framework would parse or buffer).

``/api/v1/uploads/``          OPTIONS (capabilities), POST (creation)
``/api/v1/uploads/<uuid>``    HEAD (offset), PATCH (append), DELETE (termination), GET (status as JSON)

Every response carries ``Tus-Resumable``; refusals carry ``{"code", "message"}`` JSON like the rest of the API,
with the statuses tus prescribes (409 offset mismatch, 412 version, 415 content type, 423 locked, 410 gone,
460 checksum mismatch). A finished upload's media object id is in ``Quancheng-Media-Id`` (final PATCH, HEAD)
and in the GET body.

When the store cannot be reached as the last byte arrives, the final PATCH is 503 ``storage_unavailable``: every
byte is kept and the upload stays open (HEAD: ``Upload-Offset`` equal to ``Upload-Length`` but no
``Quancheng-Media-Id``); an empty PATCH at that offset finishes it once the store is back. Repeating the empty final
PATCH of a finished upload answers 204 again with the same media id.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from quancheng.core.errors import DomainError, ErrorCode

from . import selectors, services, tus
from .auth import Uploader, authenticate
from .models import Upload, UploadStatus

logger = logging.getLogger(__name__)

MEDIA_ID_HEADER = "Quancheng-Media-Id"
SHA256_HEADER = "Quancheng-Sha256"
# Refusals a tus client should see with tus's own statuses.
_TUS_STATUS = {ErrorCode.DIGEST_MISMATCH: 460}  # the whole file's declared checksum: same meaning as a chunk's
_EXPOSED = (
    "Location, Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm, Upload-Offset, "
    f"Upload-Length, Upload-Expires, Upload-Metadata, {MEDIA_ID_HEADER}, {SHA256_HEADER}"
)


def _response(status: int = 204, body: dict[str, Any] | None = None, **headers: str) -> HttpResponse:
    # JSON even when empty (HEAD, 201, 204): the API's error middleware rewrites 4xx bodies of any other type.
    content = json.dumps(body, ensure_ascii=False) if body is not None else ""
    response = HttpResponse(content, status=status, content_type="application/json; charset=utf-8")
    response["Tus-Resumable"] = tus.TUS_VERSION
    response["Cache-Control"] = "no-store"
    response["Access-Control-Expose-Headers"] = _EXPOSED
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _error(error: DomainError, request: HttpRequest) -> HttpResponse:
    status = _TUS_STATUS.get(error.code, error.status)
    headers: dict[str, str] = {}
    if error.code == ErrorCode.TUS_VERSION_UNSUPPORTED:
        headers["Tus_Version"] = tus.TUS_VERSION
    if "offset" in error.extra:
        headers["Upload_Offset"] = str(error.extra["offset"])
    if request.method == "HEAD":
        return _response(status, None, **headers)
    return _response(status, error.as_dict(), **headers)


def _capabilities() -> dict[str, str]:
    return {
        "Tus_Version": tus.TUS_VERSION,
        "Tus_Extension": ",".join(tus.TUS_EXTENSIONS),
        "Tus_Max_Size": str(settings.QUANCHENG_TUS_MAX_SIZE),
        "Tus_Checksum_Algorithm": ",".join(tus.CHECKSUM_ALGORITHMS),
    }


def _method(request: HttpRequest) -> str:
    # tus: X-HTTP-Method-Override lets clients behind proxies that only pass GET/POST send PATCH and DELETE.
    override = request.headers.get("X-HTTP-Method-Override", "").strip().upper()
    return override if request.method == "POST" and override else (request.method or "GET")


def _tus_view(handlers: dict[str, Callable[..., HttpResponse]]) -> Callable[..., HttpResponse]:
    """Dispatch by method; answer OPTIONS, check ``Tus-Resumable`` and authenticate before any handler runs."""

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        method = _method(request)
        if method == "OPTIONS":
            return _response(204, None, Allow=", ".join(["OPTIONS", *handlers]), **_capabilities())
        handler = handlers.get(method)
        try:
            if handler is None:
                error = DomainError(ErrorCode.METHOD_NOT_ALLOWED)
                response = _error(error, request)
                response["Allow"] = ", ".join(["OPTIONS", *handlers])
                return response
            if method != "GET" and request.headers.get("Tus-Resumable") != tus.TUS_VERSION:
                raise DomainError(ErrorCode.TUS_VERSION_UNSUPPORTED)
            uploader = authenticate(request)
            if uploader is None:
                raise DomainError(ErrorCode.UNAUTHENTICATED)
            return handler(request, uploader, **kwargs)
        except DomainError as error:
            if method in ("PATCH", "POST"):
                _drain(request)
            return _error(error, request)

    return view


# A refused PATCH's unread body is read (up to this much) and dropped, so that the client sees the refusal
# instead of a connection reset from a server closing a socket with unread data.
DRAIN_MAX = 64 * 1024 * 1024


def _drain(request: HttpRequest) -> None:
    if not request.META.get("CONTENT_LENGTH"):
        return
    left = DRAIN_MAX
    try:
        while left > 0 and (block := request.read(min(1024 * 1024, left))):
            left -= len(block)
    except Exception:  # the client may be gone; the refusal stands either way
        logger.debug("could not drain a refused request body", exc_info=True)


def _upload_headers(upload: Upload) -> dict[str, str]:
    headers = {
        "Upload_Offset": str(upload.offset),
        "Upload_Length": str(upload.length),
    }
    if upload.status == UploadStatus.RECEIVING:
        headers["Upload_Expires"] = http_date(upload.expires_at.timestamp())
    if upload.metadata:
        headers["Upload_Metadata"] = tus.encode_metadata(upload.metadata)
    if upload.media_id is not None:
        headers[MEDIA_ID_HEADER] = str(upload.media_id)
        headers[SHA256_HEADER] = upload.sha256
    return headers


def _visible(uploader: Uploader, upload_id: uuid.UUID) -> Upload:
    """The uploader's own upload, usable for tus: expired ones are cleaned up on sight and refused (410)."""
    upload = selectors.upload_get_for(uploader, upload_id)
    if upload.is_expired():
        services.upload_expire(upload=upload)
        raise DomainError(ErrorCode.UPLOAD_GONE, "该上传已过期,请重新创建上传")
    if upload.status in (UploadStatus.FAILED, UploadStatus.TERMINATED, UploadStatus.EXPIRED):
        raise DomainError(
            ErrorCode.UPLOAD_GONE,
            upload.error_message or f"该上传已{upload.get_status_display()},请重新创建上传",
        )
    return upload


# --- /api/v1/uploads/ -----------------------------------------------------------------------------------------


def _create(request: HttpRequest, uploader: Uploader) -> HttpResponse:
    if request.headers.get("Upload-Defer-Length"):
        raise DomainError(ErrorCode.VALIDATION_ERROR, "不支持延后声明长度(Upload-Defer-Length),请提供 Upload-Length")
    length = tus.parse_length(request.headers.get("Upload-Length"), "Upload-Length")
    metadata = tus.parse_metadata(request.headers.get("Upload-Metadata"))
    upload = services.upload_create(uploader=uploader, length=length, metadata=metadata)
    location = request.build_absolute_uri(f"{request.path.rstrip('/')}/{upload.pk}")
    return _response(201, None, Location=location, **_upload_headers(upload))


collection = _tus_view({"POST": _create})


# --- /api/v1/uploads/<uuid> -----------------------------------------------------------------------------------


def _head(request: HttpRequest, uploader: Uploader, upload_id: uuid.UUID) -> HttpResponse:
    upload = _visible(uploader, upload_id)
    return _response(200, None, **_upload_headers(upload))


def _status_body(upload: Upload) -> dict[str, Any]:
    return {
        "id": str(upload.pk),
        "status": upload.status,
        "offset": upload.offset,
        "length": upload.length,
        "expires_at": upload.expires_at.isoformat() if upload.status == UploadStatus.RECEIVING else None,
        "sha256": upload.sha256 or None,
        "media_id": upload.media_id,
        "error": {"code": upload.error_code, "message": upload.error_message} if upload.error_code else None,
    }


def _get(request: HttpRequest, uploader: Uploader, upload_id: uuid.UUID) -> HttpResponse:
    upload = selectors.upload_get_for(uploader, upload_id)
    if upload.is_expired():
        services.upload_expire(upload=upload)
        upload.refresh_from_db()
    return _response(200, _status_body(upload), **_upload_headers(upload))


def _body_stream(request: HttpRequest) -> tuple[Any, int | None]:
    """The request body as a stream, and its declared length; chunked bodies (no Content-Length) are read
    from the WSGI input directly where the server marks it terminated (gunicorn), since Django reads none."""
    raw = request.META.get("CONTENT_LENGTH") or ""
    if raw:
        return request, tus.parse_length(raw, "Content-Length")
    if request.META.get("wsgi.input_terminated"):
        return request.META["wsgi.input"], None
    raise DomainError(ErrorCode.VALIDATION_ERROR, "PATCH 请求须提供 Content-Length")


def _patch(request: HttpRequest, uploader: Uploader, upload_id: uuid.UUID) -> HttpResponse:
    content_type = request.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if content_type != tus.OFFSET_CONTENT_TYPE:
        raise DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE)
    offset = tus.parse_length(request.headers.get("Upload-Offset"), "Upload-Offset")
    checksum = tus.parse_checksum(request.headers.get("Upload-Checksum"))
    upload = _visible(uploader, upload_id)
    body, content_length = _body_stream(request)
    try:
        upload = services.upload_receive(
            uploader=uploader,
            upload=upload,
            offset=offset,
            body=body,
            content_length=content_length,
            checksum=checksum,
        )
    except services.staging.BodyInterrupted:
        # The client went away inside a checksummed chunk; nobody reads this answer.
        return _response(400, DomainError(ErrorCode.VALIDATION_ERROR, "请求体不完整,本段未保存").as_dict())
    return _response(204, None, **_upload_headers(upload))


def _delete(request: HttpRequest, uploader: Uploader, upload_id: uuid.UUID) -> HttpResponse:
    upload = selectors.upload_get_for(uploader, upload_id)
    services.upload_terminate(uploader=uploader, upload=upload)
    return _response(204)


resource = _tus_view({"HEAD": _head, "GET": _get, "PATCH": _patch, "DELETE": _delete})
