"""Reads of media evidence and devices, already limited to what the requesting user may see.

Media belongs to an agency; a user sees their own agency's media and, as 监督人员, the supervised agencies'
(``accounts.policies.agency_scope``); a party's own login sees the media of its own cases (ACCESS-04).
Anything else is NOT_FOUND — its existence is not revealed (ACCESS-01).
"""

from __future__ import annotations

from typing import BinaryIO

from django.db.models import Q, QuerySet

from quancheng.accounts import policies
from quancheng.accounts.models import Role, User
from quancheng.cases.selectors import case_get_for, party_case_ids
from quancheng.core.errors import DomainError, ErrorCode

from .models import Blob, Device, MediaObject
from .storage import get_blob_store


def _media_queryset(user: User) -> QuerySet[MediaObject]:
    scope = policies.agency_scope(user)
    if user.has_role(Role.PARTY):
        scope |= Q(case_id__in=party_case_ids(user))  # ACCESS-04: the party's own cases
    return MediaObject.objects.filter(scope).select_related("blob", "device")


def media_list_for(user: User, case_id: int) -> QuerySet[MediaObject]:
    """The case's media, newest upload first; NOT_FOUND when the user may not see the case."""
    case = case_get_for(user, case_id)
    return _media_queryset(user).filter(case=case).order_by("-uploaded_at", "-pk")


def media_get_for(user: User, media_id: int) -> MediaObject:
    media = _media_queryset(user).filter(pk=media_id).first()
    if media is None:
        raise DomainError(ErrorCode.NOT_FOUND, "音像资料不存在或无权查看")
    return media


def media_open(media: MediaObject) -> BinaryIO:
    """A stream of the media's bytes, for a ``media`` already obtained through ``media_get_for``."""
    return get_blob_store().open(media.blob_id)


def blob_exists(sha256: str) -> bool:
    """Whether these bytes are already stored. Not user-scoped, so never expose it to clients as is: it would
    tell anyone whether some agency holds a given file."""
    return Blob.objects.filter(pk=sha256.strip().lower()).exists()


def device_for_upload(user: User, serial: str) -> Device:
    """A device of the user's own agency by serial number; an unknown serial is bad input (422)."""
    device = Device.objects.filter(agency_id=user.agency_id, serial=serial.strip()).first() if user.agency_id else None
    if device is None:
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"本机关未登记序列号为“{serial}”的采集设备")
    return device
