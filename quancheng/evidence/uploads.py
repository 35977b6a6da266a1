"""Streaming multipart upload: the file is hashed while it is written, once, to the blob store's staging area.

Django's default upload handlers would keep small files in memory and spool large ones to a temp file of
their own, which ingest would then have to read again and copy. ``HashingUploadHandler`` instead writes each
chunk straight into a ``BlobWriter`` (temp file in the store's ``incoming`` directory, SHA-256 updated as it
goes) and refuses the upload the moment it passes ``QUANCHENG_MAX_UPLOAD_BYTES``. Committing is then a
rename (local store) or a single streamed upload (S3).

A handler can only be installed before anything reads the request body. In a ninja operation even the
session-auth CSRF check reads it, so ``streaming_upload`` wraps the whole operation (``decorate_view``) and
installs the handler before authentication, parameter parsing or the view run; it also removes any staged
temp file the view did not hand on, whatever happened.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError

from quancheng.core.errors import DomainError, ErrorCode

from .storage import BlobStore, BlobTooLarge, BlobWriter, StagedBlob, get_blob_store

UPLOAD_FIELD = "file"
# Form fields are capped by DATA_UPLOAD_MAX_MEMORY_SIZE; part headers and boundaries add a little. A body
# longer than the file limit plus these is refused before a byte is read.
MULTIPART_OVERHEAD = 1024 * 1024
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class HashedUploadedFile(UploadedFile):
    """The uploaded file as staged in the blob store: ``staged`` carries its SHA-256, size and temp path."""

    def __init__(self, staged: StagedBlob, file: Any, *, name: str, content_type: str, charset: str | None) -> None:
        super().__init__(file, name=name, content_type=content_type, size=staged.size, charset=charset)
        self.staged = staged

    def temporary_file_path(self) -> str:
        return str(self.staged.path)


class HashingUploadHandler(FileUploadHandler):
    """Accepts exactly one file, in the form field ``file``, hashed into a staged temp file as it arrives."""

    chunk_size = 256 * 1024

    def __init__(self, request: HttpRequest | None = None, *, store: BlobStore, max_bytes: int) -> None:
        super().__init__(request)
        self.store = store
        self.max_bytes = max_bytes
        self.writer: BlobWriter | None = None
        self.staged: list[StagedBlob] = []

    def new_file(
        self, field_name: str, file_name: str, content_type: str, content_length: int | None, *args: Any, **kwargs: Any
    ) -> None:
        super().new_file(field_name, file_name, content_type, content_length, *args, **kwargs)
        if field_name != UPLOAD_FIELD or self.writer is not None or self.staged:
            raise DomainError(ErrorCode.VALIDATION_ERROR, "每次只能上传一个文件,表单字段名为 file")
        if content_length is not None and content_length > self.max_bytes:
            raise _too_large(self.max_bytes)
        self.writer = self.store.writer(max_bytes=self.max_bytes)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        assert self.writer is not None
        try:
            self.writer.write(raw_data)
        except BlobTooLarge as exc:
            # The writer has already removed its temp file: nothing of this upload remains on disk.
            self.writer = None
            raise _too_large(exc.limit) from exc
        return None  # consumed: no other handler sees the bytes

    def file_complete(self, file_size: int) -> HashedUploadedFile:
        assert self.writer is not None
        writer, self.writer = self.writer, None
        staged = writer.finish()
        self.staged.append(staged)
        return HashedUploadedFile(
            staged, writer.file, name=self.file_name or "", content_type=self.content_type or "", charset=self.charset
        )

    def upload_interrupted(self) -> None:
        # The body ended inside the file (client gone): drop the partial bytes.
        self.cleanup()

    def cleanup(self) -> None:
        """Remove every temp file this request left behind; committed blobs have moved and are untouched."""
        if self.writer is not None:
            self.writer.discard()
            self.writer = None
        for staged in self.staged:
            staged.discard()


def _too_large(limit: int) -> DomainError:
    return DomainError(ErrorCode.UPLOAD_TOO_LARGE, f"上传文件超过大小限制({limit} 字节)")


def _error(code: ErrorCode, message: str | None = None) -> JsonResponse:
    error = DomainError(code, message)
    return JsonResponse(error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False})


def streaming_upload(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a ninja ``Operation.run`` so the request body can only ever be parsed by ``HashingUploadHandler``."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Refuse the obviously unauthenticated before reading a byte (a bad token is caught by ninja's auth).
        user = getattr(request, "user", None)
        if not request.headers.get("Authorization") and not (user is not None and user.is_authenticated):
            return _error(ErrorCode.UNAUTHENTICATED)
        max_bytes = settings.QUANCHENG_MAX_UPLOAD_BYTES
        declared = _content_length(request)
        fields_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        if declared is not None and declared > max_bytes + fields_limit + MULTIPART_OVERHEAD:
            return _error(ErrorCode.UPLOAD_TOO_LARGE, _too_large(max_bytes).message)
        handler = HashingUploadHandler(request, store=get_blob_store(), max_bytes=max_bytes)
        request.upload_handlers = [handler]
        try:
            return run(request, *args, **kwargs)
        except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent) as exc:
            # Raised by Django's parser and re-raised by ninja (no handler of ours knows them): still bad input.
            return _error(ErrorCode.VALIDATION_ERROR, f"上传请求格式不正确:{exc}")
        finally:
            handler.cleanup()

    return wrapper


def _content_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def uploaded_file(request: HttpRequest) -> HashedUploadedFile:
    """Parse the body (through the hashing handler) and return the one uploaded file."""
    upload = request.FILES.get(UPLOAD_FIELD)
    if upload is None:
        raise DomainError(ErrorCode.UPLOAD_MISSING_FILE)
    if not isinstance(upload, HashedUploadedFile):
        raise RuntimeError("upload view is missing @decorate_view(streaming_upload)")
    return upload


def declared_sha256(request: HttpRequest, form_value: str | None) -> str | None:
    """The SHA-256 the client says it sent: form field ``sha256``, ``X-Content-SHA256`` (hex) or RFC 3230
    ``Digest: sha-256=<base64>``. Several declarations must agree; a malformed one is bad input."""
    values: list[str] = []
    if form_value:
        values.append(_hex_digest(form_value, "sha256"))
    header = request.headers.get("X-Content-SHA256")
    if header:
        values.append(_hex_digest(header, "X-Content-SHA256"))
    digest_header = request.headers.get("Digest")
    if digest_header:
        for item in digest_header.split(","):
            algorithm, _, value = item.strip().partition("=")
            if algorithm.strip().lower() == "sha-256":
                values.append(_b64_digest(value.strip()))
    if not values:
        return None
    if len(set(values)) > 1:
        raise DomainError(ErrorCode.DIGEST_MISMATCH, "声明的多个文件摘要互不一致")
    return values[0]


def _hex_digest(value: str, source: str) -> str:
    value = value.strip().lower()
    if not _SHA256_HEX.match(value):
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"{source} 应为64位十六进制的 SHA-256 摘要")
    return value


def _b64_digest(value: str) -> str:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DomainError(ErrorCode.VALIDATION_ERROR, "Digest 头的 sha-256 值不是有效的 Base64") from exc
    if len(raw) != 32:
        raise DomainError(ErrorCode.VALIDATION_ERROR, "Digest 头的 sha-256 值长度不正确")
    return raw.hex()
