"""Reads for resumable uploads, limited to what the uploader (a user or a device) may see or name.

An upload is visible to whoever created it — the same user, or the same device — and to nobody else through
the tus endpoint: anything else is NOT_FOUND, its existence not revealed (ACCESS-01).
"""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from quancheng.cases.models import Case
from quancheng.cases.selectors import case_get_for_write
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.evidence.models import Device
from quancheng.evidence.selectors import device_for_upload
from quancheng.records.models import Record
from quancheng.records.selectors import record_get_for

from .auth import Uploader
from .models import Upload, UploadStatus


def _uploads_of(uploader: Uploader) -> QuerySet[Upload]:
    if uploader.user is not None:
        return Upload.objects.filter(uploaded_by=uploader.user)
    return Upload.objects.filter(uploader_device=uploader.device)


def upload_get_for(uploader: Uploader, upload_id: uuid.UUID | str) -> Upload:
    upload = _uploads_of(uploader).filter(pk=upload_id).first()
    if upload is None:
        raise DomainError(ErrorCode.NOT_FOUND, "上传不存在或无权访问")
    return upload


def uploads_due_for_expiry(now: object) -> QuerySet[Upload]:
    """Unfinished uploads past their expiry (for the cleanup task; not user-scoped)."""
    return Upload.objects.filter(status=UploadStatus.RECEIVING, expires_at__lte=now).order_by("expires_at")


def receiving_upload_ids(ids: list[str]) -> set[str]:
    """Of ``ids``, the uploads still receiving (their staging files are live)."""
    valid = []
    for value in ids:
        try:
            valid.append(uuid.UUID(value))
        except ValueError:
            continue
    found = Upload.objects.filter(pk__in=valid, status=UploadStatus.RECEIVING).values_list("pk", flat=True)
    return {str(pk) for pk in found}


def case_for_upload(uploader: Uploader, case_id: int) -> Case:
    """The case footage is sent for: a user's through the cases app's write check (NOT_FOUND when invisible,
    PERMISSION_DENIED for a supervisor); a device's only within its own agency."""
    if uploader.user is not None:
        return case_get_for_write(uploader.user, case_id)
    case = Case.objects.filter(pk=case_id, agency_id=uploader.agency_id).first()
    if case is None:
        raise DomainError(ErrorCode.NOT_FOUND, "案件不存在或无权查看")
    return case


def record_for_upload(uploader: Uploader, record_id: int) -> Record:
    if uploader.user is not None:
        return record_get_for(uploader.user, record_id)
    record = Record.objects.filter(pk=record_id, case__agency_id=uploader.agency_id).first()
    if record is None:
        raise DomainError(ErrorCode.NOT_FOUND, "记录不存在或无权查看")
    return record


def capture_device_for_upload(uploader: Uploader, serial: str) -> Device:
    """The capture device named in the metadata: one of the uploader's agency (a capture station uploads for
    many body cameras); an unknown serial is bad input."""
    if uploader.user is not None:
        return device_for_upload(uploader.user, serial)
    device = Device.objects.filter(agency_id=uploader.agency_id, serial=serial.strip()).first()
    if device is None:
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"本机关未登记序列号为“{serial}”的采集设备")
    return device
