"""Chain of custody: every view, playback, download, share and export of a media object is a ``MediaAccess`` row
appended to the ledger in the same transaction (ACCESS-05/06, ARCHIVE-08). Re-exported by services.py.

The caller has already authorised the read (``selectors.media_get_for``); these functions add what custody needs:
a permitted purpose for anything that hands out the content (ACCESS-05: 不得用于非执法目的), and for shares and
exports, the agency's own staff and a named recipient (ARCHIVE-08: 不得外传 without authorisation).

Playback is one entry per viewing, not per request: a player seeking through a video sends a Range request for
every jump, so Range requests by the same user for the same media and purpose within
``QUANCHENG_PLAYBACK_CUSTODY_WINDOW_SECONDS`` of the last logged playback are covered by it
(``media_playback_record``). A download of the whole file is always logged. A case bundle export logs an export
of every media object it carries (``media_bundle_export_record``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from quancheng.accounts import policies
from quancheng.accounts.models import User
from quancheng.core.errors import ErrorCode, require
from quancheng.ledger.models import LedgerAction
from quancheng.ledger.services import ledger_record

from .models import AccessAction, AccessPurpose, MediaAccess, MediaDisposal, MediaObject

NOTE_MAX = MediaAccess._meta.get_field("note").max_length
RECIPIENT_MAX = MediaAccess._meta.get_field("recipient").max_length
RANGE_MAX = MediaAccess._meta.get_field("byte_range").max_length

_LEDGER_ACTION = {
    AccessAction.VIEW: LedgerAction.MEDIA_VIEWED,
    AccessAction.PLAY: LedgerAction.MEDIA_PLAYED,
    AccessAction.DOWNLOAD: LedgerAction.MEDIA_DOWNLOADED,
    AccessAction.SHARE: LedgerAction.MEDIA_SHARED,
    AccessAction.EXPORT: LedgerAction.MEDIA_EXPORTED,
}
# Actions that hand out the content: they need a permitted purpose (ACCESS-05) and content that still exists.
CONTENT_ACTIONS = frozenset({AccessAction.PLAY, AccessAction.DOWNLOAD, AccessAction.SHARE, AccessAction.EXPORT})
# Copies leaving the system: the agency's own people only, to a named recipient (ARCHIVE-08).
COPY_ACTIONS = frozenset({AccessAction.SHARE, AccessAction.EXPORT})


def clean_purpose(purpose: str | None, *, required: bool) -> str:
    """A permitted purpose (ACCESS-06), or "" when none is needed and none was given; else PURPOSE_REQUIRED."""
    value = (purpose or "").strip()
    if not value and not required:
        return ""
    allowed = "、".join(f"{choice.value}({choice.label})" for choice in AccessPurpose)
    require(value in AccessPurpose.values, ErrorCode.PURPOSE_REQUIRED, f"须说明调阅用途,可选:{allowed}")  # ACCESS-05
    return value


@transaction.atomic
def media_access_record(
    *,
    actor: User,
    media: MediaObject,
    action: AccessAction | str,
    purpose: str | None = None,
    note: str = "",
    recipient: str = "",
    byte_range: str = "",
    at: datetime | None = None,
) -> MediaAccess:
    """Log one access to ``media`` by ``actor`` (already authorised to read it) and anchor it in the ledger."""
    action = AccessAction(action)
    purpose = clean_purpose(purpose, required=action in CONTENT_ACTIONS)
    note = (note or "").strip()
    recipient = (recipient or "").strip()
    require(len(note) <= NOTE_MAX, ErrorCode.VALIDATION_ERROR, f"说明不能超过{NOTE_MAX}个字符")
    require(len(recipient) <= RECIPIENT_MAX, ErrorCode.VALIDATION_ERROR, f"接收方不能超过{RECIPIENT_MAX}个字符")
    require(len(byte_range) <= RANGE_MAX, ErrorCode.VALIDATION_ERROR)
    if action in COPY_ACTIONS:
        require(
            policies.can_work_in_agency(actor, media.agency_id),
            ErrorCode.PERMISSION_DENIED,
            "只有本机关人员可以提供或导出本机关的音像资料",
        )
        require(bool(recipient), ErrorCode.VALIDATION_ERROR, "须写明接收方(提供给谁、导出到何处)")
    if action in CONTENT_ACTIONS:
        require(not MediaDisposal.objects.filter(media_id=media.pk).exists(), ErrorCode.MEDIA_DISPOSED)
    access = MediaAccess.objects.create(
        media=media,
        user=actor,
        action=action,
        purpose=purpose,
        note=note,
        recipient=recipient,
        byte_range=byte_range,
        at=at or timezone.now(),
    )
    ledger_record(action=_LEDGER_ACTION[action], actor=actor, obj=access, extra_digests={"blob": media.blob_id})
    return access


def playback_window() -> timedelta:
    return timedelta(seconds=settings.QUANCHENG_PLAYBACK_CUSTODY_WINDOW_SECONDS)


@transaction.atomic
def media_playback_record(
    *,
    actor: User,
    media: MediaObject,
    purpose: str | None,
    byte_range: str,
    now: datetime | None = None,
) -> MediaAccess:
    """Log a playback (an HTTP Range request) of ``media`` — or, when ``actor`` already has a logged playback of
    it for the same purpose within the playback window (ACCESS-05/06), return that entry: the seeks of one viewing
    are one custody entry, the first one (its ``byte_range`` is the first range served)."""
    now = now or timezone.now()
    purpose = clean_purpose(purpose, required=True)
    window = playback_window()
    if window:
        # Serialises concurrent Range requests of the same media (a player sends them in parallel): one entry, not
        # one per request. Lock order: the media row, then the ledger head.
        list(MediaObject.objects.select_for_update().filter(pk=media.pk).values_list("pk", flat=True))
        covering = (
            MediaAccess.objects.filter(
                media=media, user=actor, action=AccessAction.PLAY, purpose=purpose, at__gt=now - window, at__lte=now
            )
            .order_by("-at", "-pk")
            .first()
        )
        if covering is not None:
            return covering
    return media_access_record(
        actor=actor, media=media, action=AccessAction.PLAY, purpose=purpose, byte_range=byte_range, at=now
    )


@transaction.atomic
def media_bundle_export_record(
    *,
    actor: User | None,
    media: Iterable[MediaObject],
    reason: str,
    recipient: str,
    purpose: str = AccessPurpose.LAWFUL_PROVISION,
) -> list[MediaAccess]:
    """Log that every one of ``media`` leaves the system in a case bundle (ARCHIVE-08, INTEGRITY-01): an ``export``
    custody entry each, with the export's reason as its note, anchored in the ledger like any other access.

    The bundle export has already authorised ``actor`` for the whole case (``case_get_for``: the agency's staff,
    the supervising agency, the party for its own case — ACCESS-04), so the staff-only rule for single copies does
    not apply here. ``actor`` None: the operator's command line (ledger actor ``system``). ``purpose`` must be a
    permitted one (ACCESS-05); a bundle handed to a court, the party or the supervising agency is by default a
    lawful provision (ACCESS-06).
    """
    purpose = clean_purpose(purpose, required=True)
    reason = (reason or "").strip()
    recipient = (recipient or "").strip()[:RECIPIENT_MAX]
    require(bool(reason), ErrorCode.VALIDATION_ERROR, "请填写导出事由")
    require(len(reason) <= NOTE_MAX, ErrorCode.VALIDATION_ERROR, f"导出事由不能超过{NOTE_MAX}个字符")
    require(bool(recipient), ErrorCode.VALIDATION_ERROR, "须写明接收方(提供给谁、导出到何处)")
    now = timezone.now()
    accesses = []
    for item in media:
        access = MediaAccess.objects.create(
            media=item,
            user=actor,
            action=AccessAction.EXPORT,
            purpose=purpose,
            note=reason,
            recipient=recipient,
            at=now,
        )
        ledger_record(action=LedgerAction.MEDIA_EXPORTED, actor=actor, obj=access, extra_digests={"blob": item.blob_id})
        accesses.append(access)
    return accesses
