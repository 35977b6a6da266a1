"""Retention of media: classes, legal holds, and the disposal task. Re-exported by services.py.

- **Classes** (ARCHIVE-03: retention periods are set per class). Media linked to a case is *evidence*, kept with
  the case file (ARCHIVE-01) and never disposed here. Footage linked to no case is *ordinary* unless marked
  evidence (``services.media_set_retention``); it is kept at least ``QUANCHENG_MEDIA_RETENTION_MONTHS`` (default
  6, a per-deployment setting) after upload.
- **Legal hold**: while a media object has an active hold it is never disposed, whatever its class.
- **Disposal** (``media_dispose_expired``, the ``quancheng media-dispose`` command; a supervisor loop may call it
  daily): each eligible media object gets a ``MediaDisposal`` row; each of its blobs (content and preview) that
  nothing else still needs — no other live media object, no signature image — gets a ``BlobDisposal`` row with
  its SHA-256, size and reason, and ``Blob.disposed_at``; all ledgered in one transaction per media object. Only
  after that commits are the bytes removed from the store, each under the blob row's lock, so an upload of the
  same bytes at that moment either waits and re-stores them, or finds them gone and is asked to retry. Nothing
  else is ever deleted (INTEGRITY-02): the rows stay, and ``quancheng verify`` accepts the missing bytes of a
  blob that has a disposal record.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from quancheng.accounts import policies
from quancheng.accounts.models import Role, User
from quancheng.core.errors import DomainError, ErrorCode, require
from quancheng.ledger.models import LedgerAction
from quancheng.ledger.services import ledger_record
from quancheng.records.models import Signature

from .models import Blob, BlobDisposal, LegalHold, MediaDisposal, MediaObject, RetentionClass
from .storage import BlobStore, blob_key, get_blob_store

DEFAULT_DISPOSAL_REASON = "保存期限届满,按规定销毁"
REASON_MAX = LegalHold._meta.get_field("reason").max_length


def retention_months() -> int:
    """Months ordinary footage is kept after upload (ARCHIVE-03; per deployment, default 6)."""
    return int(settings.QUANCHENG_MEDIA_RETENTION_MONTHS)


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` shifted by whole calendar months, the day clamped to the target month (31 Aug + 6 → 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def retained_until(media: MediaObject) -> datetime | None:
    """When ordinary footage may be disposed; ``None`` for evidence (kept with the case file, ARCHIVE-01)."""
    if media.effective_retention_class != RetentionClass.ORDINARY:
        return None
    return add_months(timezone.localtime(media.uploaded_at), retention_months())


def _active_holds() -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(media=OuterRef("pk"), released_at__isnull=True)


def disposal_candidates(*, now: datetime | None = None) -> QuerySet[MediaObject]:
    """Media whose retention has ended: linked to no case, ordinary, on no active hold, not yet disposed."""
    cutoff = add_months(timezone.localtime(now or timezone.now()), -retention_months())
    return (
        MediaObject.objects.filter(
            case__isnull=True,
            record__isnull=True,
            retention_class__in=["", RetentionClass.ORDINARY],
            uploaded_at__lte=cutoff,
            disposal__isnull=True,
        )
        .exclude(Exists(_active_holds()))
        .order_by("uploaded_at", "pk")
    )


def _require_can_hold(actor: User, media: MediaObject) -> None:
    require(
        policies.can_work_in_agency(actor, media.agency_id)
        and (actor.has_role(Role.ARCHIVIST) or actor.has_role(Role.OFFICER) or actor.has_role(Role.UNIT_HEAD)),
        ErrorCode.PERMISSION_DENIED,
        "只有本机关执法人员、档案管理员或负责人可以设定或解除保全",
    )


def _clean_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    require(bool(reason), ErrorCode.VALIDATION_ERROR, f"须写明{what}")
    require(len(reason) <= REASON_MAX, ErrorCode.VALIDATION_ERROR, f"{what}不能超过{REASON_MAX}个字符")
    return reason


@transaction.atomic
def media_hold_place(*, actor: User, media: MediaObject, reason: str) -> LegalHold:
    """Put ``media`` on legal hold (e.g. a complaint or litigation is pending): it is never disposed until released."""
    media = MediaObject.objects.select_for_update().get(pk=media.pk)
    _require_can_hold(actor, media)
    reason = _clean_reason(reason, "保全事由")
    require(not MediaDisposal.objects.filter(media=media).exists(), ErrorCode.MEDIA_DISPOSED)
    hold = LegalHold.objects.create(media=media, reason=reason, placed_by=actor, placed_at=timezone.now())
    ledger_record(action=LedgerAction.MEDIA_HOLD_PLACED, actor=actor, obj=hold, extra_digests={"blob": media.blob_id})
    return hold


@transaction.atomic
def media_hold_release(*, actor: User, hold: LegalHold, reason: str) -> LegalHold:
    """Release a hold, with the reason; the hold stays on file. Retention runs on as if it had not been."""
    media = MediaObject.objects.select_for_update().get(pk=hold.media_id)
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    _require_can_hold(actor, media)
    reason = _clean_reason(reason, "解除事由")
    require(hold.released_at is None, ErrorCode.DUPLICATE, "该保全已解除")
    hold.released_at = timezone.now()
    hold.released_by = actor
    hold.release_reason = reason
    hold.save(update_fields=["released_at", "released_by", "release_reason"])
    ledger_record(action=LedgerAction.MEDIA_HOLD_RELEASED, actor=actor, obj=hold, extra_digests={"blob": media.blob_id})
    return hold


def _blob_still_needed(blob_id: str, *, disposing: int) -> bool:
    """Whether bytes are still referenced: by a live media object (content or preview) other than ``disposing``,
    or as a signature image (records keep those by SHA-256)."""
    live = (
        MediaObject.objects.filter(Q(blob_id=blob_id) | Q(preview_id=blob_id))
        .exclude(pk=disposing)
        .filter(disposal__isnull=True)
    )
    return live.exists() or Signature.objects.filter(image_sha256=blob_id).exists()


@transaction.atomic
def media_dispose(
    *, actor: User | None, media: MediaObject, reason: str = DEFAULT_DISPOSAL_REASON, now: datetime | None = None
) -> MediaDisposal:
    """Dispose of one media object whose retention has ended; refuse (``DomainError``) anything else.

    Never media linked to a case or a record, marked evidence, on an active hold, or still within its period;
    never bytes another media object or a signature still needs. The bytes go after commit
    (:func:`remove_disposed_bytes`).
    """
    now = now or timezone.now()
    media = MediaObject.objects.select_for_update().get(pk=media.pk)
    if actor is not None:
        require(
            policies.can_work_in_agency(actor, media.agency_id) and actor.has_role(Role.ARCHIVIST),
            ErrorCode.PERMISSION_DENIED,
            "只有本机关档案管理员可以销毁到期的音像资料",
        )
    # ARCHIVE-01: evidence of a case is kept with the case file.
    require(
        media.case_id is None and media.record_id is None,
        ErrorCode.VALIDATION_ERROR,
        "已关联案件的音像资料随案卷保存,不得销毁",
    )
    require(
        media.effective_retention_class == RetentionClass.ORDINARY,
        ErrorCode.VALIDATION_ERROR,
        "该音像资料按证据保存,不得销毁",
    )
    require(
        not LegalHold.objects.filter(media=media, released_at__isnull=True).exists(),
        ErrorCode.VALIDATION_ERROR,
        "该音像资料处于保全状态,不得销毁",
    )
    require(not MediaDisposal.objects.filter(media=media).exists(), ErrorCode.MEDIA_DISPOSED)
    until = retained_until(media)
    require(until is not None and until <= now, ErrorCode.VALIDATION_ERROR, "该音像资料尚未到保存期限")  # ARCHIVE-03
    reason = _clean_reason(reason, "销毁事由")
    disposal = MediaDisposal.objects.create(
        media=media,
        retention_class=media.effective_retention_class,
        retained_until=until,
        reason=reason,
        disposed_by=actor,
        disposed_at=now,
    )
    ledger_record(action=LedgerAction.MEDIA_DISPOSED, actor=actor, obj=disposal, extra_digests={"blob": media.blob_id})
    for blob_id in dict.fromkeys(b for b in (media.blob_id, media.preview_id) if b):
        blob = Blob.objects.select_for_update().get(pk=blob_id)
        if blob.disposed_at is not None or _blob_still_needed(blob_id, disposing=media.pk):
            continue
        blob.disposed_at = now
        blob.save(update_fields=["disposed_at"])
        ledger_record(action=LedgerAction.BLOB_DISPOSED, actor=actor, obj=blob, extra_digests={"blob": blob_id})
        record = BlobDisposal.objects.create(
            blob=blob, size=blob.size, reason=reason, media_disposal=disposal, disposed_at=now
        )
        ledger_record(action=LedgerAction.BLOB_DISPOSED, actor=actor, obj=record, extra_digests={"blob": blob_id})
    return disposal


def _remove_bytes(store: BlobStore, sha256: str) -> None:
    """Remove stored bytes (absent already is fine). The stores have no delete of their own: ``storage.py`` and
    ``s3.py`` never remove anything, which keeps removal here, next to its records."""
    delete = getattr(store, "delete", None)
    if callable(delete):
        delete(sha256)
        return
    path = getattr(store, "path", None)
    if callable(path):
        path(sha256).unlink(missing_ok=True)
        return
    client, bucket = getattr(store, "client", None), getattr(store, "bucket", None)
    if client is not None and bucket:
        client.delete_object(Bucket=bucket, Key=blob_key(sha256))
        return
    raise RuntimeError(f"cannot remove bytes from {type(store).__name__}")


def remove_disposed_bytes(blob_ids: list[str] | None = None) -> tuple[int, int]:
    """Remove the bytes of disposed blobs still in the store — those given, or every disposed blob (which also
    finishes a run interrupted between its records and the removal). Returns (blobs removed, bytes removed)."""
    store = get_blob_store()
    disposed = Blob.objects.filter(disposed_at__isnull=False)
    if blob_ids is not None:
        disposed = disposed.filter(pk__in=blob_ids)
    removed = removed_bytes = 0
    for sha256 in disposed.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=500):
        if not store.exists(sha256):
            continue
        with transaction.atomic():
            # Under the blob row's lock: an ingest of the same bytes re-stores them (clearing disposed_at) either
            # before this — and the bytes stay — or after, finding them gone (it then asks for a new upload).
            blob = Blob.objects.select_for_update().get(pk=sha256)
            if blob.disposed_at is None:
                continue
            _remove_bytes(store, sha256)
        removed += 1
        removed_bytes += blob.size
    return removed, removed_bytes


@dataclass
class DisposalRun:
    disposed: list[int] = field(default_factory=list)  # media ids
    skipped: dict[int, str] = field(default_factory=dict)  # media id → why not (changed since listed)
    blobs_removed: int = 0
    bytes_removed: int = 0


def media_dispose_expired(
    *, now: datetime | None = None, reason: str = DEFAULT_DISPOSAL_REASON, limit: int | None = None
) -> DisposalRun:
    """The disposal task: dispose of every media object whose retention has ended, then remove the bytes.

    Each media object in its own transaction (a hold placed meanwhile makes it skipped, not the run fail). Safe
    to run again at any time; for the ``media-dispose`` command and any periodic runner.
    """
    now = now or timezone.now()
    run = DisposalRun()
    listed = disposal_candidates(now=now).values_list("pk", flat=True)
    candidates = list(listed[:limit] if limit else listed)
    for media_id in candidates:
        try:
            media_dispose(actor=None, media=MediaObject(pk=media_id), reason=reason, now=now)
        except DomainError as exc:
            run.skipped[media_id] = exc.message
            continue
        run.disposed.append(media_id)
    run.blobs_removed, run.bytes_removed = remove_disposed_bytes()
    return run
