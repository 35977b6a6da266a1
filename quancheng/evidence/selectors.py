"""Reads of media evidence and devices, already limited to what the requesting user may see.

Media belongs to an agency; a user sees their own agency's media and, as 监督人员, the supervised agencies'
(``accounts.policies.agency_scope``); a party's own login sees the media of its own cases (ACCESS-04).
Anything else is NOT_FOUND — its existence is not revealed (ACCESS-01).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, BinaryIO

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from quancheng.accounts import policies
from quancheng.accounts.models import Role, User
from quancheng.cases.selectors import case_get_for, party_case_ids
from quancheng.core.errors import DomainError, ErrorCode, require

from .models import (
    Blob,
    Device,
    DeviceCheckout,
    DeviceManifest,
    DeviceType,
    LegalHold,
    MediaAccess,
    MediaObject,
)
from .storage import get_blob_store


def _media_queryset(user: User) -> QuerySet[MediaObject]:
    scope = policies.agency_scope(user)
    if user.has_role(Role.PARTY):
        scope |= Q(case_id__in=party_case_ids(user))  # ACCESS-04: the party's own cases
    return MediaObject.objects.filter(scope).select_related("blob", "device", "disposal")


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


def media_open_range(media: MediaObject, start: int, end_inclusive: int) -> BinaryIO:
    """Bytes ``start``..``end_inclusive`` of the media (HTTP Range playback), for an authorised ``media``."""
    return get_blob_store().open_range(media.blob_id, start, end_inclusive)


def media_preview_open(media: MediaObject) -> BinaryIO:
    """The poster frame / thumbnail (a JPEG), for an authorised ``media`` that has one."""
    if media.preview_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, "该音像资料没有预览图")
    return get_blob_store().open(media.preview_id)


def media_is_disposed(media: MediaObject) -> bool:
    return hasattr(media, "disposal")


def media_unlinked_for(user: User) -> QuerySet[MediaObject]:
    """Footage of the user's visible agencies not yet linked to a case (e.g. body-cam dumps), newest first."""
    return (
        MediaObject.objects.filter(policies.agency_scope(user), case__isnull=True)
        .select_related("blob", "device", "disposal")
        .order_by("-uploaded_at", "-pk")
    )


def media_access_list_for(user: User, media_id: int) -> QuerySet[MediaAccess]:
    """Who viewed, played, downloaded, shared or exported the media (ACCESS-05/06), oldest first. For the owning
    agency's people and its supervisors; a party may watch its own media but not read who else did."""
    media = media_get_for(user, media_id)
    if not policies.can_view_agency(user, media.agency_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "只有本机关人员和监督人员可以查看调阅记录")
    return MediaAccess.objects.filter(media=media).select_related("user").order_by("at", "pk")


def media_holds_for(user: User, media_id: int) -> QuerySet[LegalHold]:
    media = media_get_for(user, media_id)
    if not policies.can_view_agency(user, media.agency_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "只有本机关人员和监督人员可以查看保全记录")
    return LegalHold.objects.filter(media=media).order_by("placed_at", "pk")


def media_counts_for_case(case_id: int) -> list[dict[str, Any]]:
    """For the AV-* rules (not user-scoped: rule checks run as the system): the case's media counted by stage,
    record and kind, e.g. ``{"stage": "investigation_evidence", "record_id": 7, "kind": "video", "count": 2}``."""
    rows = (
        MediaObject.objects.filter(case_id=case_id, disposal__isnull=True)
        .values("stage", "record_id", "kind")
        .annotate(count=Count("pk"))
        .order_by("stage", "record_id", "kind")
    )
    return [dict(row) for row in rows]


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


# --- devices ------------------------------------------------------------------------------------------------------


def device_list_for(user: User) -> QuerySet[Device]:
    """The registry of the user's visible agencies (DEVICE-02), by serial."""
    return Device.objects.filter(policies.agency_scope(user)).order_by("serial")


def device_get_for(user: User, device_id: int) -> Device:
    device = Device.objects.filter(policies.agency_scope(user), pk=device_id).first()
    if device is None:
        raise DomainError(ErrorCode.NOT_FOUND, "设备不存在或无权查看")
    return device


def device_get_for_device(reporter: Device, device_id: int) -> Device:
    """The device a device token may report for: itself, or — for a capture station (采集站), which collects the
    footage of many recorders — any device of its agency."""
    if reporter.pk == device_id:
        return reporter
    require(
        reporter.device_type == DeviceType.CAPTURE_STATION,
        ErrorCode.PERMISSION_DENIED,
        "设备只能报送自己的文件清单",
    )
    device = Device.objects.filter(agency_id=reporter.agency_id, pk=device_id).first()
    if device is None:
        raise DomainError(ErrorCode.NOT_FOUND, "设备不存在或无权查看")
    return device


def device_checkouts_for(user: User, device_id: int) -> QuerySet[DeviceCheckout]:
    """Checkouts and returns of the device, newest first, with their equipment checks (DEVICE-03/04)."""
    device = device_get_for(user, device_id)
    return (
        DeviceCheckout.objects.filter(device=device)
        .select_related("checkout_check", "return_check")
        .order_by("-checked_out_at", "-pk")
    )


def checkout_get_for(user: User, checkout_id: int) -> DeviceCheckout:
    checkout = DeviceCheckout.objects.filter(device__in=device_list_for(user), pk=checkout_id).first()
    if checkout is None:
        raise DomainError(ErrorCode.NOT_FOUND, "领用记录不存在或无权查看")
    return checkout


@dataclass
class DayReport:
    """Completeness of one device's footage for one day: what it reported vs what was received."""

    device: Device
    day: date
    manifests: int = 0
    reported: list[dict[str, Any]] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)  # reported items that arrived, with media ids
    missing: list[dict[str, Any]] = field(default_factory=list)  # reported, never received
    extra: list[dict[str, Any]] = field(default_factory=list)  # received from the device that day, never reported

    @property
    def complete(self) -> bool:
        return self.manifests > 0 and not self.missing


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def device_day_report(user: User, device_id: int, day: date) -> DayReport:
    """The device's reported files for ``day`` (every manifest sent for it, together) against the footage received.

    A reported file counts as received when the agency holds media with the same SHA-256 (whoever uploaded it and
    whenever). Extra: media captured by (or uploaded by) the device on that local day whose content was not
    reported — the day is the capture time's, or the upload time's when the capture time is unknown.
    """
    device = device_get_for(user, device_id)
    report = DayReport(device=device, day=day)
    reported: dict[str, dict[str, Any]] = {}
    for items in DeviceManifest.objects.filter(device=device, day=day).values_list("items", flat=True):
        report.manifests += 1
        for item in items:
            reported.setdefault(item["sha256"], item)
    report.reported = [reported[key] for key in sorted(reported)]
    media_by_sha: dict[str, list[int]] = {}
    rows = MediaObject.objects.filter(agency_id=device.agency_id, blob_id__in=list(reported)).values_list(
        "blob_id", "pk"
    )
    for sha256, media_id in rows.order_by("pk"):
        media_by_sha.setdefault(sha256, []).append(media_id)
    for sha256, item in sorted(reported.items()):
        if sha256 in media_by_sha:
            report.received.append({**item, "media_ids": media_by_sha[sha256]})
        else:
            report.missing.append(item)
    start, end = _day_bounds(day)
    on_day = Q(captured_at__gte=start, captured_at__lt=end) | Q(
        captured_at__isnull=True, uploaded_at__gte=start, uploaded_at__lt=end
    )
    extra = (
        MediaObject.objects.filter(Q(device=device) | Q(uploaded_by_device=device))
        .filter(on_day)
        .exclude(blob_id__in=list(reported))
        .order_by("captured_at", "pk")
        .values("pk", "blob_id", "kind", "captured_at", "uploaded_at", "original_name")
    )
    report.extra = [
        {
            "media_id": row["pk"],
            "sha256": row["blob_id"],
            "kind": row["kind"],
            "captured_at": row["captured_at"],
            "uploaded_at": row["uploaded_at"],
            "name": row["original_name"],
        }
        for row in extra
    ]
    return report


def open_checkouts(*, agency_id: int, holder_ids: list[int] | None = None) -> QuerySet[DeviceCheckout]:
    """Devices out right now (for DEVICE-02 checks in the rules: is a recorder with the team?). Not user-scoped:
    rule checks run as the system."""
    checkouts = DeviceCheckout.objects.filter(device__agency_id=agency_id, returned_at__isnull=True)
    if holder_ids is not None:
        checkouts = checkouts.filter(holder_id__in=holder_ids)
    return checkouts.select_related("device", "checkout_check")
