"""Request and response shapes of the evidence API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.urls import reverse
from ninja import Field, Schema

from quancheng.cases.models import Stage
from quancheng.core.types import Timestamp

from .models import (
    AccessAction,
    AccessPurpose,
    Device,
    DeviceCheck,
    DeviceCheckout,
    DeviceStatus,
    DeviceType,
    LegalHold,
    MediaAccess,
    MediaKind,
    MediaObject,
    RetentionClass,
)


class ErrorOut(Schema):
    code: str
    message: str


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}
# The content endpoint also answers 410 (disposed) and 416 (bad Range).
CONTENT_ERRORS = {**ERRORS, 410: ErrorOut, 416: ErrorOut}


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
    stage: str
    kind: MediaKind
    kind_label: str
    content_type: str
    original_name: str
    sha256: str
    size: int
    captured_at: datetime | None
    device_serial: str | None
    officer_id: int | None
    uploaded_by_id: int | None
    uploaded_by_device_id: int | None
    uploaded_at: datetime
    content_url: str
    # What the bytes say (ffprobe / EXIF).
    container: str
    duration_ms: int | None
    width: int | None
    height: int | None
    video_codec: str
    audio_codec: str
    recorded_at: datetime | None
    gps_latitude: Decimal | None
    gps_longitude: Decimal | None
    orientation: int | None
    metadata: dict[str, Any]
    preview_url: str | None
    preview_width: int | None
    preview_height: int | None
    retention_class: RetentionClass
    disposed: bool

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

    @staticmethod
    def resolve_preview_url(obj: MediaObject) -> str | None:
        return reverse("api-v1:media_preview", kwargs={"media_id": obj.pk}) if obj.preview_id else None

    @staticmethod
    def resolve_retention_class(obj: MediaObject) -> str:
        return obj.effective_retention_class

    @staticmethod
    def resolve_disposed(obj: MediaObject) -> bool:
        return hasattr(obj, "disposal")


class MediaAttachIn(Schema):
    record_id: int


class MediaLinkIn(Schema):
    case_id: int
    stage: Stage | None = Field(None, description="所属环节,默认为案件当前环节")
    record_id: int | None = None


class RetentionIn(Schema):
    retention_class: RetentionClass


class CopyIn(Schema):
    """A copy handed out (share) or exported: to whom or where, and why (ACCESS-05/06)."""

    purpose: AccessPurpose
    recipient: str = Field(..., min_length=1, max_length=256, description="接收方:提供给谁、导出到何处")
    note: str = Field("", max_length=512)


class AccessOut(Schema):
    id: int
    media_id: int
    user_id: int | None
    user_name: str | None
    action: AccessAction
    action_label: str
    purpose: str
    purpose_label: str
    note: str
    recipient: str
    byte_range: str
    at: datetime

    @staticmethod
    def resolve_user_name(obj: MediaAccess) -> str | None:
        return obj.user.full_name if obj.user_id else None

    @staticmethod
    def resolve_action_label(obj: MediaAccess) -> str:
        return obj.get_action_display()

    @staticmethod
    def resolve_purpose_label(obj: MediaAccess) -> str:
        return obj.get_purpose_display() if obj.purpose else ""


class HoldIn(Schema):
    reason: str = Field(..., min_length=1, max_length=512)


class HoldOut(Schema):
    id: int
    media_id: int
    reason: str
    placed_by_id: int
    placed_at: datetime
    released_by_id: int | None
    released_at: datetime | None
    release_reason: str
    active: bool

    @staticmethod
    def resolve_active(obj: LegalHold) -> bool:
        return obj.released_at is None


# --- devices ------------------------------------------------------------------------------------------------------


class DeviceIn(Schema):
    serial: str = Field(..., min_length=1, max_length=64)
    model: str = Field(..., min_length=1, max_length=64)
    device_type: DeviceType = DeviceType.BODY_CAMERA


class DeviceOut(Schema):
    id: int
    agency_id: int
    serial: str
    model: str
    device_type: DeviceType
    device_type_label: str
    status: DeviceStatus
    status_label: str

    @staticmethod
    def resolve_device_type_label(obj: Device) -> str:
        return obj.get_device_type_display()

    @staticmethod
    def resolve_status_label(obj: Device) -> str:
        return obj.get_status_display()


class CheckIn(Schema):
    """DEVICE-03: the equipment check at checkout or return."""

    battery_ok: bool
    storage_ok: bool
    clock_ok: bool
    condition_ok: bool = True
    battery_percent: int | None = Field(None, ge=0, le=100)
    storage_free_mb: int | None = Field(None, ge=0, le=2**31 - 1)
    clock_offset_seconds: int | None = Field(None, ge=-(2**31), le=2**31 - 1)
    note: str = Field("", max_length=512)


class CheckoutIn(Schema):
    holder_id: int
    case_id: int | None = None
    purpose: str = Field("", max_length=256)
    check: CheckIn


class ReturnIn(Schema):
    check: CheckIn


class CheckOut(Schema):
    id: int
    kind: str
    equipment_name: str
    model: str
    serial: str
    checked_by_id: int
    checked_at: datetime
    battery_ok: bool
    battery_percent: int | None
    storage_ok: bool
    storage_free_mb: int | None
    clock_ok: bool
    clock_offset_seconds: int | None
    condition_ok: bool
    note: str
    passed: bool

    @staticmethod
    def resolve_passed(obj: DeviceCheck) -> bool:
        return obj.passed


class CheckoutOut(Schema):
    id: int
    device_id: int
    holder_id: int
    case_id: int | None
    purpose: str
    checked_out_at: datetime
    checked_out_by_id: int
    checkout_check: CheckOut
    returned_at: datetime | None
    returned_by_id: int | None
    return_check: CheckOut | None

    @staticmethod
    def resolve_return_check(obj: DeviceCheckout) -> DeviceCheck | None:
        return obj.return_check if obj.return_check_id else None


class ManifestItemIn(Schema):
    sha256: str = Field(..., pattern="^[0-9a-fA-F]{64}$")
    size: int = Field(..., gt=0, le=2**63 - 1)
    recorded_at: Timestamp | None = None
    name: str = Field("", max_length=256)


class ManifestIn(Schema):
    day: date
    items: list[ManifestItemIn] = Field(..., max_length=10_000)


class ManifestOut(Schema):
    id: int
    device_id: int
    day: date
    items: list[dict[str, Any]]
    submitted_by_id: int | None
    submitted_by_device_id: int | None
    submitted_at: datetime


class DayReportOut(Schema):
    device_id: int
    serial: str
    day: date
    manifests: int
    complete: bool
    reported: list[dict[str, Any]]
    received: list[dict[str, Any]]
    missing: list[dict[str, Any]]
    extra: list[dict[str, Any]]
