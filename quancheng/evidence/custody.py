"""Chain of custody: every view, playback, download, share and export of a media object is a ``MediaAccess`` row
appended to the ledger in the same transaction (ACCESS-05/06, ARCHIVE-08). Re-exported by services.py.

The caller has already authorised the read (``selectors.media_get_for``); these functions add what custody needs:
a permitted purpose for anything that hands out the content (ACCESS-05: 不得用于非执法目的), and for shares and
exports, the agency's own staff and a named recipient (ARCHIVE-08: 不得外传 without authorisation).
"""

from __future__ import annotations

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
        at=timezone.now(),
    )
    ledger_record(action=_LEDGER_ACTION[action], actor=actor, obj=access, extra_digests={"blob": media.blob_id})
    return access
