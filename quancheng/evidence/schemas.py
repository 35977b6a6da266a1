"""Request and response shapes of the evidence API."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from ninja import Field, Schema

from quancheng.core.types import Timestamp

from .models import MediaKind, MediaObject


class ErrorOut(Schema):
    code: str
    message: str


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}


class MediaUploadForm(Schema):
    """The form fields sent with the file in ``POST /cases/{case_id}/media`` (multipart/form-data)."""

    kind: MediaKind = Field(description="录像 video / 录音 audio / 照相 photo / 文件 document")
    captured_at: Timestamp | None = Field(None, description="拍摄时间(ISO 8601;无时区时按北京时间)")
    device_serial: str | None = Field(None, max_length=64, description="采集设备(执法记录仪)序列号")
    record_id: int | None = Field(None, description="所关联的文字记录")
    sha256: str | None = Field(None, description="客户端计算的文件 SHA-256(十六进制),不一致时拒收")


# The multipart body is read by the streaming upload handler, not by ninja's parameter parsing, so its
# OpenAPI description is given here by hand.
UPLOAD_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "kind"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "文件内容"},
                        "kind": {"type": "string", "enum": MediaKind.values},
                        "captured_at": {"type": "string", "format": "date-time"},
                        "device_serial": {"type": "string", "maxLength": 64},
                        "record_id": {"type": "integer"},
                        "sha256": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"},
                    },
                }
            }
        },
    },
    "parameters": [
        {
            "name": "X-Content-SHA256",
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
            "description": "文件的 SHA-256(十六进制);也可用 RFC 3230 的 Digest: sha-256=<base64>",
        }
    ],
}

CONTENT_OPENAPI = {
    "responses": {
        200: {
            "description": "文件内容(ETag 为 SHA-256)",
            # Served with the content type recorded at upload (image/jpeg, video/mp4, ...).
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        },
        304: {"description": "If-None-Match 与 ETag 相同"},
    }
}


class MediaOut(Schema):
    id: int
    case_id: int | None
    record_id: int | None
    kind: MediaKind
    kind_label: str
    content_type: str
    original_name: str
    sha256: str
    size: int
    captured_at: datetime | None
    device_serial: str | None
    officer_id: int | None
    uploaded_by_id: int
    uploaded_at: datetime
    content_url: str

    @staticmethod
    def resolve_kind_label(obj: MediaObject) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_sha256(obj: MediaObject) -> str:
        return obj.blob_id

    @staticmethod
    def resolve_size(obj: MediaObject) -> int:
        return obj.blob.size

    @staticmethod
    def resolve_device_serial(obj: MediaObject) -> str | None:
        return obj.device.serial if obj.device_id else None

    @staticmethod
    def resolve_content_url(obj: MediaObject) -> str:
        return reverse("api-v1:media_content", kwargs={"media_id": obj.pk})


class MediaAttachIn(Schema):
    record_id: int
