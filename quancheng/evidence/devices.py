"""Writes for recording devices: checkout and return with the equipment check (DEVICE-03/04), and the list of files
a device says it recorded on a day (the "reported" side of the completeness report). Re-exported by services.py.

Lock order: the device row, then the checkout row, then (inside ``ledger_record``) the ledger head.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from quancheng.accounts import policies
from quancheng.accounts.models import User
from quancheng.cases.models import Case
from quancheng.core.dates import as_aware, local_today
from quancheng.core.errors import DomainError, ErrorCode, require
from quancheng.ledger.models import LedgerAction
from quancheng.ledger.services import ledger_record

from .models import Device, DeviceCheck, DeviceCheckKind, DeviceCheckout, DeviceManifest, DeviceStatus

# DEVICE-03 "clock sync": a device clock further off than this (seconds) is not synchronised, whatever is ticked.
DEVICE_CLOCK_TOLERANCE_SECONDS = 60
# One manifest lists at most this many files (a body camera records a few hundred a day at most).
MANIFEST_MAX_ITEMS = 10_000
MANIFEST_NAME_MAX = 256
NOTE_MAX = DeviceCheck._meta.get_field("note").max_length
PURPOSE_MAX = DeviceCheckout._meta.get_field("purpose").max_length
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class EquipmentCheck:
    """What the officer found when checking the equipment (DEVICE-03 检查装备使用情况)."""

    battery_ok: bool
    storage_ok: bool
    clock_ok: bool
    condition_ok: bool = True
    battery_percent: int | None = None
    storage_free_mb: int | None = None
    clock_offset_seconds: int | None = None
    note: str = ""


@dataclass(frozen=True)
class ManifestItem:
    sha256: str
    size: int
    recorded_at: datetime | None = None
    name: str = ""


def _require_agency_staff(actor: User, device: Device, message: str) -> None:
    require(policies.can_work_in_agency(actor, device.agency_id), ErrorCode.PERMISSION_DENIED, message)


def _check_values(check: EquipmentCheck) -> None:
    if check.battery_percent is not None:
        require(0 <= check.battery_percent <= 100, ErrorCode.VALIDATION_ERROR, "电量应在 0–100% 之间")
    if check.storage_free_mb is not None:
        require(check.storage_free_mb >= 0, ErrorCode.VALIDATION_ERROR, "剩余存储不能为负数")
    if check.clock_offset_seconds is not None and abs(check.clock_offset_seconds) > DEVICE_CLOCK_TOLERANCE_SECONDS:
        require(
            not check.clock_ok,
            ErrorCode.VALIDATION_ERROR,
            f"时钟偏差超过 {DEVICE_CLOCK_TOLERANCE_SECONDS} 秒,不能记为已校准",
        )
    require(len(check.note) <= NOTE_MAX, ErrorCode.VALIDATION_ERROR, f"检查情况说明不能超过{NOTE_MAX}个字符")


def _record_check(*, actor: User, device: Device, kind: DeviceCheckKind, check: EquipmentCheck) -> DeviceCheck:
    row = DeviceCheck.objects.create(
        device=device,
        kind=kind,
        equipment_name=device.get_device_type_display(),
        model=device.model,
        serial=device.serial,
        checked_by=actor,
        checked_at=timezone.now(),
        battery_ok=check.battery_ok,
        battery_percent=check.battery_percent,
        storage_ok=check.storage_ok,
        storage_free_mb=check.storage_free_mb,
        clock_ok=check.clock_ok,
        clock_offset_seconds=check.clock_offset_seconds,
        condition_ok=check.condition_ok,
        note=check.note.strip(),
    )
    action = LedgerAction.DEVICE_CHECKED_OUT if kind == DeviceCheckKind.CHECKOUT else LedgerAction.DEVICE_RETURNED
    ledger_record(action=action, actor=actor, obj=row)
    return row


@transaction.atomic
def device_checkout(
    *,
    actor: User,
    device: Device,
    holder: User,
    check: EquipmentCheck,
    case: Case | None = None,
    purpose: str = "",
) -> DeviceCheckout:
    """Hand a device to ``holder`` after the equipment check (DEVICE-03/04); a device is out once at a time.

    A device that fails the check (battery, storage, clock, condition) is not handed out: footage from it could
    not be trusted or might not be recorded at all.
    """
    device = Device.objects.select_for_update().get(pk=device.pk)
    _require_agency_staff(actor, device, "只能登记本机关设备的领用")
    require(
        holder.agency_id == device.agency_id and holder.is_active, ErrorCode.VALIDATION_ERROR, "领用人不是本机关人员"
    )
    if case is not None:
        require(case.agency_id == device.agency_id, ErrorCode.VALIDATION_ERROR, "案件不属于本机关")
    purpose = (purpose or "").strip()
    require(len(purpose) <= PURPOSE_MAX, ErrorCode.VALIDATION_ERROR, f"执法任务说明不能超过{PURPOSE_MAX}个字符")
    require(device.status != DeviceStatus.CHECKED_OUT, ErrorCode.DEVICE_UNAVAILABLE, "该设备已被领用,尚未归还")
    require(
        device.status == DeviceStatus.IN_SERVICE,
        ErrorCode.DEVICE_UNAVAILABLE,
        f"该设备处于“{device.get_status_display()}”状态,不能领用",
    )
    _check_values(check)
    require(
        check.battery_ok and check.storage_ok and check.clock_ok and check.condition_ok,
        ErrorCode.DEVICE_UNAVAILABLE,
        "装备检查未通过(电量、存储、时钟或外观),不能领用",
    )
    out_check = _record_check(actor=actor, device=device, kind=DeviceCheckKind.CHECKOUT, check=check)
    try:
        with transaction.atomic():
            checkout = DeviceCheckout.objects.create(
                device=device,
                holder=holder,
                case=case,
                purpose=purpose,
                checked_out_at=out_check.checked_at,
                checked_out_by=actor,
                checkout_check=out_check,
            )
    except IntegrityError as exc:  # the one-open-checkout constraint: only if the status was wrong
        raise DomainError(ErrorCode.DEVICE_UNAVAILABLE, "该设备已被领用,尚未归还") from exc
    ledger_record(action=LedgerAction.DEVICE_CHECKED_OUT, actor=actor, obj=checkout)
    device.status = DeviceStatus.CHECKED_OUT
    device.save(update_fields=["status"])
    ledger_record(action=LedgerAction.DEVICE_CHECKED_OUT, actor=actor, obj=device)
    return checkout


@transaction.atomic
def device_return(*, actor: User, checkout: DeviceCheckout, check: EquipmentCheck) -> DeviceCheckout:
    """Take a device back with the return check (DEVICE-03/04). A device that fails it goes to repair."""
    device = Device.objects.select_for_update().get(pk=checkout.device_id)
    checkout = DeviceCheckout.objects.select_for_update().get(pk=checkout.pk)
    _require_agency_staff(actor, device, "只能登记本机关设备的归还")
    require(checkout.returned_at is None, ErrorCode.DEVICE_UNAVAILABLE, "该设备已归还")
    _check_values(check)
    in_check = _record_check(actor=actor, device=device, kind=DeviceCheckKind.RETURN, check=check)
    checkout.returned_at = in_check.checked_at
    checkout.returned_by = actor
    checkout.return_check = in_check
    checkout.save(update_fields=["returned_at", "returned_by", "return_check"])
    ledger_record(action=LedgerAction.DEVICE_RETURNED, actor=actor, obj=checkout)
    device.status = DeviceStatus.IN_SERVICE if in_check.passed else DeviceStatus.REPAIR
    device.save(update_fields=["status"])
    ledger_record(action=LedgerAction.DEVICE_RETURNED, actor=actor, obj=device)
    return checkout


def _clean_items(items: list[ManifestItem]) -> list[dict[str, Any]]:
    require(len(items) <= MANIFEST_MAX_ITEMS, ErrorCode.VALIDATION_ERROR, f"一份清单最多 {MANIFEST_MAX_ITEMS} 个文件")
    cleaned: dict[str, dict[str, Any]] = {}
    for item in items:
        sha256 = (item.sha256 or "").strip().lower()
        require(bool(_SHA256_HEX.match(sha256)), ErrorCode.VALIDATION_ERROR, f"文件摘要格式不正确:{item.sha256}")
        require(item.size > 0, ErrorCode.VALIDATION_ERROR, "文件大小应为正整数")
        name = (item.name or "").strip()
        require(len(name) <= MANIFEST_NAME_MAX, ErrorCode.VALIDATION_ERROR, f"文件名不能超过{MANIFEST_NAME_MAX}个字符")
        recorded = ""
        if item.recorded_at is not None:
            recorded = as_aware(item.recorded_at).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        previous = cleaned.get(sha256)
        require(
            previous is None or previous["size"] == item.size,
            ErrorCode.VALIDATION_ERROR,
            f"同一摘要的文件大小不一致:{sha256}",
        )
        cleaned[sha256] = {"sha256": sha256, "size": item.size, "recorded_at": recorded, "name": name}
    return [cleaned[key] for key in sorted(cleaned)]


@transaction.atomic
def device_manifest_submit(
    *,
    actor: User | None,
    device: Device,
    day: date,
    items: list[ManifestItem],
    submitted_by_device: Device | None = None,
) -> DeviceManifest:
    """Record the files ``device`` says it recorded on ``day`` — sent by the device itself (``actor=None``,
    ``submitted_by_device``), a capture station of the agency, or an officer for it. Kept as sent (sorted, one
    entry per SHA-256); the completeness report compares it with the footage received."""
    if actor is not None:
        _require_agency_staff(actor, device, "只能报送本机关设备的文件清单")
    else:
        require(submitted_by_device is not None, ErrorCode.UNAUTHENTICATED)
    if submitted_by_device is not None:
        require(
            submitted_by_device.agency_id == device.agency_id,
            ErrorCode.PERMISSION_DENIED,
            "只能报送本机关设备的文件清单",
        )
    require(day <= local_today(), ErrorCode.VALIDATION_ERROR, "记录日期不能晚于今天")
    manifest = DeviceManifest.objects.create(
        device=device,
        day=day,
        items=_clean_items(items),
        submitted_by=actor,
        submitted_by_device=submitted_by_device,
        submitted_at=timezone.now(),
    )
    ledger_record(
        action=LedgerAction.DEVICE_MANIFEST_SUBMITTED,
        actor=actor if actor is not None else submitted_by_device,
        obj=manifest,
    )
    return manifest
