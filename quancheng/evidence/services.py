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

import logging
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from quancheng.accounts import policies
from quancheng.accounts.models import Agency, User
from quancheng.cases.models import Case, Stage
from quancheng.cases.workflow import STAGE_ORDER
from quancheng.core.dates import as_aware
from quancheng.core.errors import DomainError, ErrorCode, require
from quancheng.ledger.models import LedgerAction
from quancheng.ledger.services import ledger_record
from quancheng.records.models import Record

from .models import (
    Blob,
    Device,
    DeviceStatus,
    DeviceType,
    MediaDisposal,
    MediaKind,
    MediaObject,
    RetentionClass,
)
from .probe import DEFAULT_CONTENT_TYPE, ProbeResult, probe_media
from .storage import (
    BlobStore,
    StagedBlob,
    StoredBlob,
    StoreUnavailable,
    get_blob_store,
    iter_file,
    stage_chunks,
)

logger = logging.getLogger(__name__)

# A device clock may run a little ahead of the server; beyond this a capture time "in the future" is bad input.
CAPTURE_CLOCK_SKEW = timedelta(minutes=10)
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
CONTENT_TYPE_MAX = MediaObject._meta.get_field("content_type").max_length
ORIGINAL_NAME_MAX = MediaObject._meta.get_field("original_name").max_length
SERIAL_MAX = Device._meta.get_field("serial").max_length
MODEL_MAX = Device._meta.get_field("model").max_length
Actor = User | Device | None
# Run inside the transaction that records a media object (after its ledger entry): what else must be true exactly
# when the media object exists — e.g. the tus upload it came from marked complete with its id.
OnRecorded = Callable[[MediaObject], object]


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


def _check_stage(case: Case, stage: str | None) -> str:
    """The case stage the media belongs to: the case's current one by default, never one the case has not reached."""
    if not stage:
        return case.stage
    require(stage in Stage.values, ErrorCode.VALIDATION_ERROR, f"未知的案件环节:{stage}")
    require(
        STAGE_ORDER.index(Stage(stage)) <= STAGE_ORDER.index(Stage(case.stage)),
        ErrorCode.VALIDATION_ERROR,
        "音像资料不能归入案件尚未到达的环节",
    )
    return stage


def _check_uploader(*, actor: User | None, uploader_device: Device | None, agency_id: int) -> None:
    """A user of the agency, or — for a device-token upload — the agency's own device, still in use."""
    if actor is not None:
        require(
            policies.can_work_in_agency(actor, agency_id),
            ErrorCode.PERMISSION_DENIED,
            "只有本机关人员可以上传本机关的音像资料",
        )
    if uploader_device is not None:
        require(uploader_device.agency_id == agency_id, ErrorCode.PERMISSION_DENIED, "上传设备不属于本机关")
        require(
            uploader_device.status != DeviceStatus.RETIRED, ErrorCode.DEVICE_UNAVAILABLE, "已报废的设备不能上传音像资料"
        )
    require(actor is not None or uploader_device is not None, ErrorCode.UNAUTHENTICATED)


def _check_ingest(
    *,
    actor: User | None,
    agency_id: int,
    case: Case | None,
    stored: StoredBlob,
    kind: str,
    captured_at: datetime | None,
    device: Device | None,
    uploader_device: Device | None,
    officer: User | None,
    record: Record | None,
    expected_sha256: str | None,
) -> datetime | None:
    """Every check that needs no lock; returns ``captured_at`` made timezone-aware."""
    _check_uploader(actor=actor, uploader_device=uploader_device, agency_id=agency_id)
    if case is not None:
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
        require(device.agency_id == agency_id, ErrorCode.VALIDATION_ERROR, "采集设备不属于本机关")
    if officer is not None:
        require(officer.agency_id == agency_id, ErrorCode.VALIDATION_ERROR, "拍摄人员不是本机关人员")
    if record is not None:
        require(case is not None, ErrorCode.VALIDATION_ERROR, "关联文字记录前须先关联案件")
        require(record.case_id == case.pk, ErrorCode.VALIDATION_ERROR, "所关联的记录不属于该案件")
    return captured_at


@contextmanager
def _local_copy(store: BlobStore, stored: StoredBlob) -> Iterator[Path]:
    """A local file with the bytes: the staged file itself, the local store's file, or a temp download (S3)."""
    if isinstance(stored, StagedBlob):
        yield stored.path
        return
    path = getattr(store, "path", None)
    if callable(path):
        yield path(stored.sha256)
        return
    store.incoming_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=store.incoming_dir, prefix="probe-") as copy, store.open(stored.sha256) as src:
        shutil.copyfileobj(src, copy, 1024 * 1024)
        copy.flush()
        yield Path(copy.name)


@contextmanager
def _store_io(errors: type[OSError] = OSError) -> Iterator[None]:
    """A store that cannot be reached or written (S3 down, disk failing) is STORAGE_UNAVAILABLE (503), never a
    500: nothing is recorded, and a caller that keeps its staged bytes (the tus upload) can retry later."""
    try:
        yield
    except errors as exc:
        logger.warning("blob store unavailable during ingest", exc_info=True)
        raise DomainError(ErrorCode.STORAGE_UNAVAILABLE) from exc


def _store_preview(store: BlobStore, result: ProbeResult) -> StoredBlob | None:
    """Commit the poster frame / thumbnail to the store (content-addressed like any blob); remove the temp file."""
    preview = result.preview
    if preview is None:
        return None
    try:
        with open(preview.path, "rb") as source:
            staged = stage_chunks(store, iter_file(source))
        return store.commit(staged)
    finally:
        preview.path.unlink(missing_ok=True)


def media_ingest(
    *,
    actor: User | None,
    case: Case | None = None,
    stored: StoredBlob,
    kind: MediaKind | str,
    content_type: str,
    original_name: str = "",
    captured_at: datetime | None = None,
    device: Device | None = None,
    officer: User | None = None,
    record: Record | None = None,
    expected_sha256: str | None = None,
    agency: Agency | None = None,
    uploader_device: Device | None = None,
    stage: Stage | str | None = None,
    on_recorded: OnRecorded | None = None,
) -> MediaObject:
    """Record one upload of media evidence (GEN-03, DEVICE-05, EVID-02).

    For ``case`` or — footage not yet linked to a case, e.g. a body-cam dump — for ``agency``. ``actor`` is the
    uploading user; a device uploading with its own token passes ``actor=None`` and ``uploader_device`` (the ledger
    actor is then ``device:<pk>``, and the device is also the capture device unless ``device`` says otherwise).
    ``stage`` is the case stage the media belongs to (default: the case's current stage).

    ``stored`` is either a ``StagedBlob`` (hashed into the store's incoming directory, e.g. by the upload
    handler) — which this function owns from now on: it is committed to the store, or removed if the ingest
    is refused — or a plain ``StoredBlob`` already in the store. The content is probed first (``probe.py``):
    unreadable or mislabelled files are refused and nothing is stored. The bytes are stored once by content: the
    same bytes ingested twice give one ``Blob`` and two ``MediaObject`` rows. Not ``@transaction.atomic``
    itself on purpose: probing and moving the bytes happen first, outside any transaction; the rows and ledger
    entries are then written together in ``_media_record``.

    ``on_recorded(media)`` runs inside that transaction, after the media's ledger entry: whatever it writes
    commits with the media object or not at all (the tus upload is marked complete there, so a crash between the
    two cannot leave a recorded media object behind an upload that a retry would ingest again). A store that
    cannot be reached is STORAGE_UNAVAILABLE (503) and records nothing.
    """
    staged = stored if isinstance(stored, StagedBlob) else None
    store = get_blob_store()
    try:
        if case is not None:
            require(agency is None or agency.pk == case.agency_id, ErrorCode.VALIDATION_ERROR, "案件不属于该机关")
            agency_id = case.agency_id
        else:
            require(agency is not None, ErrorCode.VALIDATION_ERROR, "须指定案件或所属机关")
            require(not stage, ErrorCode.VALIDATION_ERROR, "未关联案件的音像资料不能指定案件环节")
            agency_id = agency.pk
        captured_at = _check_ingest(
            actor=actor,
            agency_id=agency_id,
            case=case,
            stored=stored,
            kind=str(kind),
            captured_at=captured_at,
            device=device,
            uploader_device=uploader_device,
            officer=officer,
            record=record,
            expected_sha256=expected_sha256,
        )
        stage = _check_stage(case, stage) if case is not None else ""
        if staged is None:
            with _store_io():
                found = store.exists(stored.sha256)
            require(found, ErrorCode.VALIDATION_ERROR, "存储中没有该摘要对应的文件")
        # Slow I/O, before the transaction: read what the bytes are (refusing what they are not), draw the preview,
        # then commit the bytes (rename, or streaming to S3).
        with _store_io(StoreUnavailable), _local_copy(store, stored) as path:
            probed = probe_media(
                path, kind=str(kind), content_type=_clean_content_type(content_type), preview_dir=store.incoming_dir
            )
        with _store_io():
            preview = _store_preview(store, probed)
            if staged is not None:
                stored = store.commit(staged)
    finally:
        if staged is not None:
            staged.discard()  # no-op once committed; otherwise nothing of a refused upload stays on disk
    if captured_at is None and probed.recorded_at is not None:
        # The file's own time, unless the device clock put it in the future.
        if probed.recorded_at <= timezone.now() + CAPTURE_CLOCK_SKEW:
            captured_at = probed.recorded_at
    if device is None and uploader_device is not None and uploader_device.device_type != DeviceType.CAPTURE_STATION:
        device = uploader_device  # a body camera uploading its own footage
    return _media_record(
        actor=actor,
        agency_id=agency_id,
        case=case,
        stored=StoredBlob(sha256=stored.sha256, size=stored.size),
        kind=MediaKind(kind),
        original_name=(original_name or "").strip()[:ORIGINAL_NAME_MAX],
        captured_at=captured_at,
        device=device,
        uploader_device=uploader_device,
        officer=officer,
        record=record,
        stage=stage,
        probed=probed,
        preview=preview,
        on_recorded=on_recorded,
    )


@transaction.atomic
def _media_record(
    *,
    actor: User | None,
    agency_id: int,
    case: Case | None,
    stored: StoredBlob,
    kind: MediaKind,
    original_name: str,
    captured_at: datetime | None,
    device: Device | None,
    uploader_device: Device | None,
    officer: User | None,
    record: Record | None,
    stage: str,
    probed: ProbeResult,
    preview: StoredBlob | None,
    on_recorded: OnRecorded | None = None,
) -> MediaObject:
    ledger_actor: Actor = actor if actor is not None else uploader_device
    if case is not None:
        case = _lock_case(case)
        # Re-checked under the lock: the case may have been archived since the unlocked checks.
        require(not case.is_archived, ErrorCode.CASE_CLOSED)
    blob = _blob_get_or_create(actor=ledger_actor, stored=stored)
    preview_blob = _blob_get_or_create(actor=ledger_actor, stored=preview) if preview is not None else None
    media = MediaObject.objects.create(
        blob=blob,
        agency_id=agency_id,
        case=case,
        record=record,
        stage=stage,
        kind=kind,
        content_type=probed.content_type,
        original_name=original_name,
        captured_at=captured_at,
        device=device,
        officer=officer,
        uploaded_by=actor,
        uploaded_by_device=uploader_device,
        uploaded_at=timezone.now(),
        preview=preview_blob,
        preview_width=probed.preview.width if preview_blob is not None and probed.preview else None,
        preview_height=probed.preview.height if preview_blob is not None and probed.preview else None,
        **probed.fields(),
    )
    ledger_record(
        action=LedgerAction.MEDIA_INGESTED, actor=ledger_actor, obj=media, extra_digests={"blob": blob.sha256}
    )
    if on_recorded is not None:
        on_recorded(media)
    return media


def _blob_get_or_create(*, actor: Actor, stored: StoredBlob) -> Blob:
    """The Blob row for ``stored``; created — with its own ledger entry — the first time these bytes arrive, and
    re-anchored as stored again when bytes disposed of earlier (retention) arrive anew."""
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
    if blob.disposed_at is not None:
        # Locked like the disposal sweep locks it while removing bytes: either the sweep has removed them (and the
        # bytes committed for this upload with them), or it has not and never will once this commits.
        blob = Blob.objects.select_for_update().get(pk=blob.pk)
        if blob.disposed_at is not None:
            require(
                get_blob_store().exists(blob.sha256),
                ErrorCode.MEDIA_DISPOSED,
                "同一内容的文件刚按保存期限销毁,请重新上传",
            )
            blob.disposed_at = None
            blob.save(update_fields=["disposed_at"])
            ledger_record(action=LedgerAction.BLOB_STORED, actor=actor, obj=blob, extra_digests={"blob": blob.sha256})
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
def media_link_case(
    *,
    actor: User,
    media: MediaObject,
    case: Case,
    stage: Stage | str | None = None,
    record: Record | None = None,
) -> MediaObject:
    """Link footage recorded before a case existed (or outside one) to ``case`` and a stage, and optionally a record.

    The AV-* rules count media by case, stage, record and kind; from now on the media is evidence kept with the
    case file (ARCHIVE-01). Like the record link (EVID-02) it is made once, never moved to another case.
    """
    case = _lock_case(case)
    _require_can_record(actor, case)
    require(not case.is_archived, ErrorCode.CASE_CLOSED)
    media = MediaObject.objects.select_for_update().get(pk=media.pk)
    require(media.agency_id == case.agency_id, ErrorCode.VALIDATION_ERROR, "音像资料与案件不属于同一机关")
    require(not _is_disposed(media), ErrorCode.MEDIA_DISPOSED)
    stage = _check_stage(case, stage)
    if record is not None:
        record = Record.objects.get(pk=record.pk)
        require(record.case_id == case.pk, ErrorCode.VALIDATION_ERROR, "所关联的记录不属于该案件")
    if media.case_id == case.pk and media.stage == stage and (record is None or media.record_id == record.pk):
        return media  # already so linked: nothing changes, so nothing to record
    require(media.case_id is None, ErrorCode.DUPLICATE, "该音像资料已关联案件,不能改为关联其他案件")
    media.case = case
    media.stage = stage
    if record is not None:
        media.record = record
    media.save(update_fields=["case", "stage", "record"])
    ledger_record(action=LedgerAction.MEDIA_LINKED, actor=actor, obj=media, extra_digests={"blob": media.blob_id})
    return media


def _is_disposed(media: MediaObject) -> bool:
    return MediaDisposal.objects.filter(media_id=media.pk).exists()


@transaction.atomic
def media_set_retention(*, actor: User, media: MediaObject, retention_class: RetentionClass | str) -> MediaObject:
    """Set the retention class of footage linked to no case (ARCHIVE-03): "evidence" keeps it like case evidence
    (e.g. footage of an incident that may still become a case); "ordinary" lets it go after the retention period.
    Media linked to a case is always evidence, kept with the case file (ARCHIVE-01)."""
    media = MediaObject.objects.select_for_update().get(pk=media.pk)
    require(
        policies.can_work_in_agency(actor, media.agency_id),
        ErrorCode.PERMISSION_DENIED,
        "只有本机关人员可以设定本机关音像资料的保存类别",
    )
    require(retention_class in RetentionClass.values, ErrorCode.VALIDATION_ERROR, f"未知的保存类别:{retention_class}")
    require(
        media.case_id is None, ErrorCode.VALIDATION_ERROR, "已关联案件的音像资料作为证据随案卷保存,不能改变保存类别"
    )
    require(not _is_disposed(media), ErrorCode.MEDIA_DISPOSED)
    if media.retention_class == retention_class:
        return media
    media.retention_class = str(retention_class)
    media.save(update_fields=["retention_class"])
    ledger_record(
        action=LedgerAction.MEDIA_RETENTION_SET, actor=actor, obj=media, extra_digests={"blob": media.blob_id}
    )
    return media


@transaction.atomic
def device_register(
    *,
    actor: User | None,
    agency: Agency,
    serial: str,
    model: str,
    device_type: DeviceType | str = DeviceType.BODY_CAMERA,
) -> Device:
    """Register a 执法记录仪 or other capture equipment of ``agency`` (DEVICE-01/02)."""
    require(device_type in DeviceType.values, ErrorCode.VALIDATION_ERROR, f"未知的设备类别:{device_type}")
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
            device = Device.objects.create(agency=agency, serial=serial, model=model, device_type=str(device_type))
    except IntegrityError as exc:
        raise DomainError(ErrorCode.DUPLICATE, f"序列号为“{serial}”的设备已登记") from exc
    ledger_record(action=LedgerAction.DEVICE_REGISTERED, actor=actor, obj=device)
    return device


# Device, custody and retention writes live in their own modules (one file would pass ~500 lines); they are named
# here too, so every write of the app is reachable as ``evidence.services.<name>``.
from .custody import media_access_record, media_bundle_export_record, media_playback_record  # noqa: E402
from .devices import EquipmentCheck, ManifestItem, device_checkout, device_manifest_submit, device_return  # noqa: E402
from .retention import (  # noqa: E402
    media_dispose,
    media_dispose_expired,
    media_hold_place,
    media_hold_release,
    remove_disposed_bytes,
)

__all__ = [
    "EquipmentCheck",
    "ManifestItem",
    "device_checkout",
    "device_manifest_submit",
    "device_register",
    "device_return",
    "media_access_record",
    "media_attach",
    "media_bundle_export_record",
    "media_dispose",
    "media_dispose_expired",
    "media_hold_place",
    "media_hold_release",
    "media_ingest",
    "media_link_case",
    "media_playback_record",
    "media_set_retention",
    "remove_disposed_bytes",
]
