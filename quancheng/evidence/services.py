"""Writes for media evidence (音像记录) and recording devices; each appends to the ledger in its transaction.

Ingest is split in two: the slow part (bytes already hashed into a staged temp file are renamed into the
content-addressed store, or streamed to S3) runs *before* the transaction, so no row lock or ledger-head lock
is held while bytes move; the transaction then only inserts rows and ledger entries. Bytes committed for a
transaction that later fails stay in the store unreferenced: harmless, because they are addressed by content
and the next ingest of the same bytes reuses them.

Lock order (as in cases.services): the case row first, then the media row, then (inside ``ledger_record``)
the ledger head, always last.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from quancheng.accounts import policies
from quancheng.accounts.models import Agency, User
from quancheng.cases.models import Case
from quancheng.core.dates import as_aware
from quancheng.core.errors import DomainError, ErrorCode, require
from quancheng.ledger.models import LedgerAction
from quancheng.ledger.services import ledger_record
from quancheng.records.models import Record

from .models import Blob, Device, MediaKind, MediaObject
from .storage import StagedBlob, StoredBlob, get_blob_store

# A device clock may run a little ahead of the server; beyond this a capture time "in the future" is bad input.
CAPTURE_CLOCK_SKEW = timedelta(minutes=10)
DEFAULT_CONTENT_TYPE = "application/octet-stream"
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
CONTENT_TYPE_MAX = MediaObject._meta.get_field("content_type").max_length
ORIGINAL_NAME_MAX = MediaObject._meta.get_field("original_name").max_length
SERIAL_MAX = Device._meta.get_field("serial").max_length
MODEL_MAX = Device._meta.get_field("model").max_length


def _clean_content_type(content_type: str) -> str:
    """The declared MIME type without parameters, or octet-stream when it is not a well-formed type."""
    value = (content_type or "").split(";", 1)[0].strip().lower()
    if not value or len(value) > CONTENT_TYPE_MAX or not _CONTENT_TYPE.match(value):
        return DEFAULT_CONTENT_TYPE
    return value


def _lock_case(case: Case) -> Case:
    """Lock the case row and re-read it: checks run against the committed state, not a stale object."""
    return Case.objects.select_for_update().get(pk=case.pk)


def _require_can_record(actor: User, case: Case) -> None:
    # Recording evidence is work in the case: the agency's own people only, never a supervisor (read-only).
    require(
        policies.can_work_in_agency(actor, case.agency_id),
        ErrorCode.PERMISSION_DENIED,
        "只有本机关人员可以为本机关案件上传音像资料",
    )


def _check_ingest(
    *,
    actor: User,
    case: Case,
    stored: StoredBlob,
    kind: str,
    captured_at: datetime | None,
    device: Device | None,
    officer: User | None,
    record: Record | None,
    expected_sha256: str | None,
) -> datetime | None:
    """Every check that needs no lock; returns ``captured_at`` made timezone-aware."""
    _require_can_record(actor, case)
    require(not case.is_archived, ErrorCode.CASE_CLOSED)
    require(kind in MediaKind.values, ErrorCode.VALIDATION_ERROR, f"未知的音像资料类型:{kind}")
    require(bool(_SHA256_HEX.match(stored.sha256)), ErrorCode.VALIDATION_ERROR, "SHA-256 摘要格式不正确")
    require(stored.size > 0, ErrorCode.UPLOAD_MISSING_FILE, "上传的文件为空")
    if expected_sha256 is not None:
        # The client's own digest of what it sent: a mismatch means the bytes changed in transit.
        require(expected_sha256.strip().lower() == stored.sha256, ErrorCode.DIGEST_MISMATCH)
    if captured_at is not None:
        captured_at = as_aware(captured_at)
        require(
            captured_at <= timezone.now() + CAPTURE_CLOCK_SKEW, ErrorCode.VALIDATION_ERROR, "拍摄时间不能晚于当前时间"
        )
    if device is not None:
        require(device.agency_id == case.agency_id, ErrorCode.VALIDATION_ERROR, "采集设备不属于本机关")
    if officer is not None:
        require(officer.agency_id == case.agency_id, ErrorCode.VALIDATION_ERROR, "拍摄人员不是本机关人员")
    if record is not None:
        require(record.case_id == case.pk, ErrorCode.VALIDATION_ERROR, "所关联的记录不属于该案件")
    return captured_at


def media_ingest(
    *,
    actor: User,
    case: Case,
    stored: StoredBlob,
    kind: MediaKind | str,
    content_type: str,
    original_name: str = "",
    captured_at: datetime | None = None,
    device: Device | None = None,
    officer: User | None = None,
    record: Record | None = None,
    expected_sha256: str | None = None,
) -> MediaObject:
    """Record one upload of media evidence for ``case`` (GEN-03, DEVICE-05, EVID-02).

    ``stored`` is either a ``StagedBlob`` (hashed into the store's incoming directory, e.g. by the upload
    handler) — which this function owns from now on: it is committed to the store, or removed if the ingest
    is refused — or a plain ``StoredBlob`` already in the store. The bytes are stored once by content: the
    same bytes ingested twice give one ``Blob`` and two ``MediaObject`` rows. Not ``@transaction.atomic``
    itself on purpose: moving the bytes happens first, outside any transaction; the rows and ledger entries
    are then written together in ``_media_record``.
    """
    staged = stored if isinstance(stored, StagedBlob) else None
    store = get_blob_store()
    try:
        captured_at = _check_ingest(
            actor=actor,
            case=case,
            stored=stored,
            kind=str(kind),
            captured_at=captured_at,
            device=device,
            officer=officer,
            record=record,
            expected_sha256=expected_sha256,
        )
        if staged is not None:
            stored = store.commit(staged)  # slow I/O (rename, or streaming to S3), before the transaction
        else:
            require(store.exists(stored.sha256), ErrorCode.VALIDATION_ERROR, "存储中没有该摘要对应的文件")
    finally:
        if staged is not None:
            staged.discard()  # no-op once committed; otherwise nothing of a refused upload stays on disk
    return _media_record(
        actor=actor,
        case=case,
        stored=StoredBlob(sha256=stored.sha256, size=stored.size),
        kind=MediaKind(kind),
        content_type=_clean_content_type(content_type),
        original_name=(original_name or "").strip()[:ORIGINAL_NAME_MAX],
        captured_at=captured_at,
        device=device,
        officer=officer,
        record=record,
    )


@transaction.atomic
def _media_record(
    *,
    actor: User,
    case: Case,
    stored: StoredBlob,
    kind: MediaKind,
    content_type: str,
    original_name: str,
    captured_at: datetime | None,
    device: Device | None,
    officer: User | None,
    record: Record | None,
) -> MediaObject:
    case = _lock_case(case)
    # Re-checked under the lock: the case may have been archived since the unlocked checks.
    require(not case.is_archived, ErrorCode.CASE_CLOSED)
    blob = _blob_get_or_create(actor=actor, stored=stored)
    media = MediaObject.objects.create(
        blob=blob,
        agency_id=case.agency_id,
        case=case,
        record=record,
        kind=kind,
        content_type=content_type,
        original_name=original_name,
        captured_at=captured_at,
        device=device,
        officer=officer,
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    ledger_record(action=LedgerAction.MEDIA_INGESTED, actor=actor, obj=media, extra_digests={"blob": blob.sha256})
    return media


def _blob_get_or_create(*, actor: User, stored: StoredBlob) -> Blob:
    """The Blob row for ``stored``; created — with its own ledger entry — the first time these bytes arrive."""
    blob = Blob.objects.filter(pk=stored.sha256).first()
    if blob is None:
        try:
            with transaction.atomic():  # savepoint: a concurrent first ingest of the same bytes may win the insert
                blob = Blob.objects.create(sha256=stored.sha256, size=stored.size, stored_at=timezone.now())
        except IntegrityError:
            blob = Blob.objects.get(pk=stored.sha256)
        else:
            ledger_record(action=LedgerAction.BLOB_STORED, actor=actor, obj=blob, extra_digests={"blob": blob.sha256})
    require(blob.size == stored.size, ErrorCode.VALIDATION_ERROR, "文件大小与已存储的同摘要内容不一致")
    return blob


@transaction.atomic
def media_attach(*, actor: User, media: MediaObject, record: Record) -> MediaObject:
    """Link media evidence to the text record it documents (e.g. footage of an inquiry to its 询问笔录)."""
    case_id = MediaObject.objects.filter(pk=media.pk).values_list("case_id", flat=True).get()
    require(case_id is not None, ErrorCode.VALIDATION_ERROR, "该音像资料不属于任何案件")
    case = Case.objects.select_for_update().get(pk=case_id)
    _require_can_record(actor, case)
    require(not case.is_archived, ErrorCode.CASE_CLOSED)
    media = MediaObject.objects.select_for_update().get(pk=media.pk)
    record = Record.objects.get(pk=record.pk)
    require(record.case_id == case.pk, ErrorCode.VALIDATION_ERROR, "所关联的记录不属于该案件")
    if media.record_id == record.pk:
        return media  # already linked: nothing changes, so nothing to record
    # The link is part of the evidence chain (EVID-02): it is made once, never silently moved.
    require(media.record_id is None, ErrorCode.DUPLICATE, "该音像资料已关联其他记录")
    media.record = record
    media.save(update_fields=["record"])
    ledger_record(action=LedgerAction.MEDIA_ATTACHED, actor=actor, obj=media, extra_digests={"blob": media.blob_id})
    return media


@transaction.atomic
def device_register(*, actor: User | None, agency: Agency, serial: str, model: str) -> Device:
    """Register a 执法记录仪 or capture station of ``agency`` (DEVICE-01/02); the full registry comes later."""
    if actor is not None:
        require(policies.can_work_in_agency(actor, agency.pk), ErrorCode.PERMISSION_DENIED, "只能登记本机关的设备")
    serial = (serial or "").strip()
    model = (model or "").strip()
    require(bool(serial), ErrorCode.VALIDATION_ERROR, "设备序列号不能为空")
    require(bool(model), ErrorCode.VALIDATION_ERROR, "设备型号不能为空")
    require(len(serial) <= SERIAL_MAX, ErrorCode.VALIDATION_ERROR, f"设备序列号不能超过{SERIAL_MAX}个字符")
    require(len(model) <= MODEL_MAX, ErrorCode.VALIDATION_ERROR, f"设备型号不能超过{MODEL_MAX}个字符")
    try:
        with transaction.atomic():
            device = Device.objects.create(agency=agency, serial=serial, model=model)
    except IntegrityError as exc:
        raise DomainError(ErrorCode.DUPLICATE, f"序列号为“{serial}”的设备已登记") from exc
    ledger_record(action=LedgerAction.DEVICE_REGISTERED, actor=actor, obj=device)
    return device
