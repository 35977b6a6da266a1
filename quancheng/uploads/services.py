"""Writes for resumable uploads (tus) and device tokens; each lifecycle step appends to the ledger in its
transaction.

A PATCH takes the upload's lease (a conditional UPDATE, not a row lock held while bytes stream in), writes and
fsyncs the chunk to the staging file (``staging.py``), commits the new offset (conditional on still holding the
lease), and releases the lease. The offset, lease and sliding expiry are transfer bookkeeping, excluded from the
row's ledger digest; creation, completion, failure, termination and expiry are ledgered.

When the last byte has arrived the upload is finished: the SHA-256 computed while writing is checked against the
one the device declared, and the staging file goes to ``evidence.services.media_ingest`` (which probes the
content, commits the bytes to the store — once per content — and records the media object). Slow I/O never
runs inside a transaction here: ``media_ingest`` moves bytes before its own short transaction.

Completion is atomic and idempotent: the upload is marked complete, with its media id, inside the very transaction
that records the media object (``media_ingest(on_recorded=...)``), so a crash leaves either both or neither; a
retried final PATCH (empty body at the final offset) of a completed upload answers with the same media id. When
the store cannot be reached (S3 down) the upload stays receiving with every byte kept, the PATCH is refused with
503 ``storage_unavailable``, and the same empty PATCH finishes it later.
"""

from __future__ import annotations

import os
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from quancheng.accounts import policies
from quancheng.accounts.auth import hash_token
from quancheng.accounts.models import User
from quancheng.cases.models import Stage
from quancheng.core.dates import as_aware
from quancheng.core.errors import DomainError, ErrorCode, require
from quancheng.evidence.models import Device, MediaKind, MediaObject
from quancheng.evidence.services import media_ingest
from quancheng.evidence.storage import StagedBlob, get_blob_store
from quancheng.ledger.models import LedgerAction
from quancheng.ledger.services import ledger_record

from . import selectors, staging
from .auth import DEVICE_TOKEN_PREFIX, Uploader
from .models import DeviceToken, Upload, UploadStatus
from .tus import Checksum

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
ORIGINAL_NAME_MAX = Upload._meta.get_field("original_name").max_length
CONTENT_TYPE_MAX = Upload._meta.get_field("content_type").max_length
ERROR_MESSAGE_MAX = Upload._meta.get_field("error_message").max_length
# Metadata keys read from Upload-Metadata (aliases: tus-js-client / Uppy send "name" and "type").
NAME_KEYS = ("filename", "name")
TYPE_KEYS = ("filetype", "type")
DEVICE_KEYS = ("device_serial", "device")
# A linked "ingest" name for the staging file handed to media_ingest (which consumes what it is given): if
# ingest fails for a reason other than a refusal (store unreachable), the staging file itself is still there.
INGEST_SUFFIX = ".ingest"


# --- device tokens --------------------------------------------------------------------------------------------


@transaction.atomic
def device_token_create(*, actor: User | None, device: Device, name: str = "") -> tuple[DeviceToken, str]:
    """A token ``device`` uploads with (tus, ``Authorization: Bearer``); returns it with its secret, which is
    shown once: only its SHA-256 is kept."""
    if actor is not None:
        require(
            policies.can_work_in_agency(actor, device.agency_id),
            ErrorCode.PERMISSION_DENIED,
            "只能为本机关设备签发令牌",
        )
    prefix = secrets.token_hex(4)
    secret = f"{DEVICE_TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = DeviceToken.objects.create(
        device=device, name=(name or "").strip()[:64], prefix=prefix, token_hash=hash_token(secret)
    )
    ledger_record(action=LedgerAction.DEVICE_TOKEN_CREATED, actor=actor, obj=token)
    return token, secret


@transaction.atomic
def device_token_revoke(*, actor: User | None, token: DeviceToken) -> DeviceToken:
    token = DeviceToken.objects.select_for_update().select_related("device").get(pk=token.pk)
    if actor is not None:
        require(
            policies.can_work_in_agency(actor, token.device.agency_id),
            ErrorCode.PERMISSION_DENIED,
            "只能吊销本机关设备的令牌",
        )
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        ledger_record(action=LedgerAction.DEVICE_TOKEN_REVOKED, actor=actor, obj=token)
    return token


# --- creation -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """What the upload's metadata says, resolved and checked against what the uploader may name."""

    fields: dict[str, object]


def _first(metadata: dict[str, str], keys: tuple[str, ...]) -> str:
    return next((metadata[key].strip() for key in keys if metadata.get(key, "").strip()), "")


def _int_field(metadata: dict[str, str], key: str) -> int | None:
    value = metadata.get(key, "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"上传元数据 {key} 应为正整数")
    return int(value)


def _kind_for(content_type: str) -> str:
    family = content_type.split("/", 1)[0]
    return {"video": MediaKind.VIDEO, "audio": MediaKind.AUDIO, "image": MediaKind.PHOTO}.get(
        family, MediaKind.DOCUMENT
    ).value


def _parse_captured_at(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return as_aware(datetime.fromisoformat(value))
    except ValueError as exc:
        raise DomainError(ErrorCode.VALIDATION_ERROR, "上传元数据 captured_at 应为 ISO 8601 时间") from exc


def _resolve_target(uploader: Uploader, metadata: dict[str, str]) -> _Target:
    content_type = _first(metadata, TYPE_KEYS).lower()[:CONTENT_TYPE_MAX]
    kind = metadata.get("kind", "").strip() or _kind_for(content_type)
    require(kind in MediaKind.values, ErrorCode.VALIDATION_ERROR, f"未知的音像资料类型:{kind}")
    case_id = _int_field(metadata, "case_id")
    record_id = _int_field(metadata, "record_id")
    case = selectors.case_for_upload(uploader, case_id) if case_id is not None else None
    if case is not None:
        # Refused now rather than after gigabytes have been sent (media_ingest checks again at the end).
        require(not case.is_archived, ErrorCode.CASE_CLOSED)
    record = selectors.record_for_upload(uploader, record_id) if record_id is not None else None
    if record is not None:
        require(case is not None and record.case_id == case.pk, ErrorCode.VALIDATION_ERROR, "所关联的记录不属于该案件")
    stage = metadata.get("stage", "").strip()
    if stage:
        require(case is not None, ErrorCode.VALIDATION_ERROR, "未关联案件的音像资料不能指定案件环节")
        require(stage in Stage.values, ErrorCode.VALIDATION_ERROR, f"未知的案件环节:{stage}")
    serial = _first(metadata, DEVICE_KEYS)
    device = selectors.capture_device_for_upload(uploader, serial) if serial else None
    declared = metadata.get("sha256", "").strip().lower()
    require(
        not declared or bool(_SHA256_HEX.match(declared)),
        ErrorCode.VALIDATION_ERROR,
        "上传元数据 sha256 应为64位十六进制的 SHA-256 摘要",
    )
    return _Target(
        fields={
            "original_name": _first(metadata, NAME_KEYS)[:ORIGINAL_NAME_MAX],
            "content_type": content_type,
            "kind": kind,
            "case": case,
            "record": record,
            "stage": stage,
            "device": device,
            "captured_at": _parse_captured_at(metadata.get("captured_at", "").strip()),
            "declared_sha256": declared,
        }
    )


def _expiry(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.QUANCHENG_TUS_EXPIRY_SECONDS)


@transaction.atomic
def upload_create(*, uploader: Uploader, length: int, metadata: dict[str, str]) -> Upload:
    """Create a tus upload of ``length`` bytes described by ``metadata`` (tus creation extension).

    Every check that the metadata allows is made now — the case is the uploader's to record in and not
    archived, the record belongs to it, the capture device is the agency's — so a device learns before sending
    a byte, not after gigabytes.
    """
    require(length > 0, ErrorCode.UPLOAD_MISSING_FILE, "上传的文件为空(Upload-Length 为 0)")
    max_size = settings.QUANCHENG_TUS_MAX_SIZE
    require(length <= max_size, ErrorCode.UPLOAD_TOO_LARGE, f"上传文件超过大小限制({max_size} 字节)")
    require(uploader.agency_id is not None, ErrorCode.PERMISSION_DENIED, "上传人不属于任何执法机关")
    target = _resolve_target(uploader, metadata)
    now = timezone.now()
    upload = Upload.objects.create(
        agency_id=uploader.agency_id,
        uploaded_by=uploader.user,
        uploader_device=uploader.device,
        length=length,
        metadata=metadata,
        created_at=now,
        updated_at=now,
        expires_at=_expiry(now),
        **target.fields,
    )
    ledger_record(action=LedgerAction.UPLOAD_CREATED, actor=uploader.actor, obj=upload)
    return upload


# --- receiving ------------------------------------------------------------------------------------------------


def _staging_path(upload_id: uuid.UUID | str) -> Path:
    return staging.staging_path(get_blob_store().incoming_dir, upload_id)


def _lease_active(upload: Upload, now: datetime) -> bool:
    return bool(upload.lease_token) and upload.lease_until is not None and upload.lease_until > now


def _unavailable(upload: Upload) -> DomainError:
    """Why a PATCH cannot write to ``upload`` (re-read after the lease was refused)."""
    if upload.status == UploadStatus.COMPLETED:
        return DomainError(ErrorCode.UPLOAD_OFFSET_MISMATCH, "该上传已完成,无需再发送数据", offset=upload.offset)
    if upload.status == UploadStatus.RECEIVING and upload.is_expired():
        upload_expire(upload=upload)
        return DomainError(ErrorCode.UPLOAD_GONE, "该上传已过期,请重新创建上传")
    if upload.status != UploadStatus.RECEIVING:
        return DomainError(ErrorCode.UPLOAD_GONE, f"该上传已{upload.get_status_display()},请重新创建上传")
    return DomainError(ErrorCode.UPLOAD_LOCKED)


def _lease_take(upload: Upload) -> tuple[Upload, str | None]:
    """Take the upload's write lease, or refuse: locked (423), gone (410). A completed upload is returned
    without a lease (token None): the caller decides whether the request merely repeats the final one."""
    now = timezone.now()
    token = secrets.token_hex(16)
    taken = (
        Upload.objects.filter(pk=upload.pk, status=UploadStatus.RECEIVING, expires_at__gt=now)
        .filter(Q(lease_token="") | Q(lease_until__lt=now))
        .update(lease_token=token, lease_until=now + timedelta(seconds=settings.QUANCHENG_TUS_LEASE_SECONDS))
    )
    row = Upload.objects.select_related("case", "record", "device", "agency").get(pk=upload.pk)
    if not taken:
        if row.status == UploadStatus.COMPLETED:
            return row, None
        raise _unavailable(row)
    return row, token


def _lease_release(upload_id: uuid.UUID, token: str) -> None:
    Upload.objects.filter(pk=upload_id, lease_token=token).update(lease_token="", lease_until=None)


def _offset_commit(upload: Upload, token: str, offset: int) -> None:
    """Record that the bytes up to ``offset`` are on disk (already fsynced), if this request still holds the
    lease; the sliding expiry restarts with each chunk."""
    now = timezone.now()
    moved = Upload.objects.filter(pk=upload.pk, lease_token=token, offset=upload.offset).update(
        offset=offset, updated_at=now, expires_at=_expiry(now)
    )
    if not moved:
        raise DomainError(ErrorCode.UPLOAD_LOCKED, "写入期间该上传被其他请求接管,本段数据未计入,请查询偏移量后重试")
    upload.offset = offset
    upload.updated_at = now
    upload.expires_at = _expiry(now)


def upload_receive(
    *,
    uploader: Uploader,
    upload: Upload,
    offset: int,
    body: object,
    content_length: int | None,
    checksum: Checksum | None,
) -> Upload:
    """One tus PATCH: append the body at ``offset`` (which must be the server's offset), and finish the upload
    when its last byte has arrived. ``upload`` comes from ``selectors.upload_get_for(uploader, ...)``."""
    row, token = _lease_take(upload)
    if token is None:
        # Completed already. A repeated final PATCH (nothing more sent at the final offset: the client did not
        # see the answer, or the process died before answering) is answered again with the same media object.
        if offset == row.length and not content_length:
            return row
        raise _unavailable(row)
    key = str(row.pk)
    try:
        if offset != row.offset:
            raise DomainError(ErrorCode.UPLOAD_OFFSET_MISMATCH, offset=row.offset)
        remaining = row.length - row.offset
        if content_length is not None and content_length > remaining:
            raise DomainError(
                ErrorCode.UPLOAD_TOO_LARGE, f"本段数据超出声明的文件长度(还差 {remaining} 字节)", offset=row.offset
            )
        path = _staging_path(row.pk)
        prefix = staging.prefix_state(path, key, row.offset)
        if remaining > 0:
            try:
                received = staging.receive(
                    path=path,
                    offset=row.offset,
                    body=body,  # type: ignore[arg-type]
                    limit=content_length if content_length is not None else remaining,
                    exact=content_length is not None,
                    prefix=prefix,
                    checksum=checksum,
                )
            except (DomainError, staging.BodyInterrupted):
                staging.HASH_STATES.put(key, row.offset, prefix)
                raise
            _offset_commit(row, token, row.offset + received.count)
            state = received.state
            staging.HASH_STATES.put(key, row.offset, state)
        else:
            # Every byte had arrived but finishing failed for a reason of ours (store unreachable): retry it.
            state = prefix
        if row.offset == row.length:
            return _upload_finish(uploader=uploader, upload=row, sha256=state.hexdigest(), path=path)
        return row
    finally:
        _lease_release(row.pk, token)


def _upload_finish(*, uploader: Uploader, upload: Upload, sha256: str, path: Path) -> Upload:
    key = str(upload.pk)
    if upload.declared_sha256 and upload.declared_sha256 != sha256:
        # The device's own digest differs from what arrived: the bytes changed on the way. Nothing is stored.
        staging.HASH_STATES.drop(key)
        error = DomainError(
            ErrorCode.DIGEST_MISMATCH,
            f"收到文件的 SHA-256 为 {sha256},与设备声明的 {upload.declared_sha256} 不一致:上传失败,未入库",
        )
        upload_fail(upload=upload, error=error, sha256=sha256)
        raise error
    size = os.stat(path).st_size
    if size != upload.length:
        raise DomainError(ErrorCode.UPLOAD_GONE, "服务器上该上传的已接收数据不完整,请重新创建上传")
    ingest_path = path.with_name(path.name + INGEST_SUFFIX)
    ingest_path.unlink(missing_ok=True)
    os.link(path, ingest_path)
    completed: list[Upload] = []

    def complete(media: MediaObject) -> None:
        # Inside the transaction recording ``media``: the two commit together or not at all.
        completed.append(upload_complete(upload=upload, media=media, sha256=sha256))

    try:
        media_ingest(
            actor=uploader.user,
            uploader_device=uploader.device,
            case=upload.case,
            agency=upload.agency if upload.case is None else None,
            stored=StagedBlob(sha256=sha256, size=upload.length, path=ingest_path),
            kind=upload.kind,
            content_type=upload.content_type,
            original_name=upload.original_name,
            captured_at=upload.captured_at,
            device=upload.device,
            officer=uploader.user,
            record=upload.record,
            stage=upload.stage or None,
            expected_sha256=upload.declared_sha256 or None,
            on_recorded=complete,
        )
    except _AlreadyCompleted:
        # Another request finished it meanwhile (this one's media object was rolled back with the attempt).
        staging.HASH_STATES.drop(key)
        return Upload.objects.get(pk=upload.pk)
    except DomainError as error:
        if error.code == ErrorCode.STORAGE_UNAVAILABLE:
            # Not the upload's fault: it stays receiving with every byte kept; an empty PATCH finishes it later.
            raise
        if error.code == ErrorCode.UPLOAD_GONE:
            # Ended meanwhile (terminated or expired by another request): that end stands, nothing was recorded.
            staging.HASH_STATES.drop(key)
            raise
        # Refused (content unreadable or mislabelled, case archived meanwhile, permission gone): final.
        staging.HASH_STATES.drop(key)
        upload_fail(upload=upload, error=error, sha256=sha256)
        raise
    finally:
        ingest_path.unlink(missing_ok=True)  # gone already when committed or refused
    staging.HASH_STATES.drop(key)
    return completed[0]


class _AlreadyCompleted(Exception):
    """Raised inside the media transaction to undo it: the upload was completed by another request."""


@transaction.atomic
def upload_complete(*, upload: Upload, media: MediaObject, sha256: str) -> Upload:
    """The upload's bytes are recorded as ``media``; the staging file is removed once this commits.

    Called by ``media_ingest`` inside the transaction that records ``media``, so the upload row is locked after
    the ledger head there. The other writers that lock an upload row and then append to the ledger (termination,
    expiry) first check that no request holds the upload's lease and stop if one does; the finishing request holds
    it, so they do not wait on the head while holding the row. A completed upload is never completed twice: the
    attempt is undone, media object included."""
    upload = Upload.objects.select_for_update().get(pk=upload.pk)
    if upload.status == UploadStatus.COMPLETED:
        raise _AlreadyCompleted(str(upload.pk))
    require(upload.status == UploadStatus.RECEIVING, ErrorCode.UPLOAD_GONE, f"该上传已{upload.get_status_display()}")
    upload.status = UploadStatus.COMPLETED
    upload.media = media
    upload.sha256 = sha256
    upload.finished_at = timezone.now()
    upload.save(update_fields=["status", "media", "sha256", "finished_at"])
    actor = upload.uploaded_by if upload.uploaded_by_id is not None else upload.uploader_device
    ledger_record(action=LedgerAction.UPLOAD_COMPLETED, actor=actor, obj=upload, extra_digests={"blob": sha256})
    path = _staging_path(upload.pk)
    transaction.on_commit(lambda: staging.remove(path))
    return upload


@transaction.atomic
def upload_fail(*, upload: Upload, error: DomainError, sha256: str = "") -> Upload:
    """The upload ends refused (``error``); what it received is removed, nothing was stored."""
    upload = Upload.objects.select_for_update().get(pk=upload.pk)
    upload.status = UploadStatus.FAILED
    upload.error_code = str(error.code)
    upload.error_message = error.message[:ERROR_MESSAGE_MAX]
    upload.sha256 = sha256
    upload.finished_at = timezone.now()
    upload.save(update_fields=["status", "error_code", "error_message", "sha256", "finished_at"])
    actor = upload.uploaded_by if upload.uploaded_by_id is not None else upload.uploader_device
    ledger_record(action=LedgerAction.UPLOAD_FAILED, actor=actor, obj=upload)
    path = _staging_path(upload.pk)
    transaction.on_commit(lambda: staging.remove(path))
    return upload


# --- termination and expiry -----------------------------------------------------------------------------------


@transaction.atomic
def upload_terminate(*, uploader: Uploader, upload: Upload) -> Upload:
    """tus termination (DELETE): the upload ends and its received bytes are removed. A finished upload cannot
    be terminated — its media object is a record (append-only); a chunk being written must finish first."""
    upload = Upload.objects.select_for_update().get(pk=upload.pk)
    require(
        upload.status != UploadStatus.COMPLETED,
        ErrorCode.TRANSITION_NOT_ALLOWED,
        "该上传已完成并入库,不能终止(音像资料记录不可删除)",
    )
    require(upload.status == UploadStatus.RECEIVING, ErrorCode.UPLOAD_GONE, f"该上传已{upload.get_status_display()}")
    require(not _lease_active(upload, timezone.now()), ErrorCode.UPLOAD_LOCKED)
    upload.status = UploadStatus.TERMINATED
    upload.finished_at = timezone.now()
    upload.save(update_fields=["status", "finished_at"])
    ledger_record(action=LedgerAction.UPLOAD_TERMINATED, actor=uploader.actor, obj=upload)
    _remove_after_commit(upload)
    return upload


def _remove_after_commit(upload: Upload) -> None:
    path = _staging_path(upload.pk)
    key = str(upload.pk)

    def remove() -> None:
        staging.HASH_STATES.drop(key)
        staging.remove(path)
        staging.remove(path.with_name(path.name + INGEST_SUFFIX))

    transaction.on_commit(remove)


@transaction.atomic
def upload_expire(*, upload: Upload, now: datetime | None = None) -> bool:
    """Expire ``upload`` if it is unfinished and past its expiry (and no chunk is being written): its received
    bytes are removed, the expiry is ledgered (actor: system). Returns whether it expired."""
    now = now or timezone.now()
    upload = Upload.objects.select_for_update().get(pk=upload.pk)
    if upload.status != UploadStatus.RECEIVING or upload.expires_at > now or _lease_active(upload, now):
        return False
    upload.status = UploadStatus.EXPIRED
    upload.finished_at = now
    upload.save(update_fields=["status", "finished_at"])
    ledger_record(action=LedgerAction.UPLOAD_EXPIRED, actor=None, obj=upload)
    _remove_after_commit(upload)
    return True


@dataclass(frozen=True)
class ExpiryReport:
    expired: int
    orphans_removed: int


def uploads_expire_due(*, now: datetime | None = None) -> ExpiryReport:
    """Periodic cleanup: expire every unfinished upload past its expiry, then remove staging files that belong
    to no upload still receiving (left by a crash between steps). Safe to run at any time, from any process."""
    now = now or timezone.now()
    expired = 0
    for upload in selectors.uploads_due_for_expiry(now).only("pk"):
        expired += upload_expire(upload=upload, now=now)
    return ExpiryReport(expired=expired, orphans_removed=_remove_orphans())


def _remove_orphans() -> int:
    incoming = get_blob_store().incoming_dir
    if not incoming.is_dir():
        return 0
    files = [p for p in incoming.iterdir() if p.name.startswith(staging.STAGING_PREFIX) and p.is_file()]
    ids = [p.name[len(staging.STAGING_PREFIX) :].split(".", 1)[0] for p in files]
    live = selectors.receiving_upload_ids(ids)
    removed = 0
    for path, upload_id in zip(files, ids, strict=True):
        if upload_id not in live:
            staging.remove(path)
            removed += 1
    return removed
