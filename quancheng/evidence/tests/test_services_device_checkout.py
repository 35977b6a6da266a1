"""Device checkout and return with the equipment check record (DEVICE-03/04), each ledgered; a device is out
once at a time; a device failing the return check goes to repair."""

from __future__ import annotations

import pytest

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.evidence import services
from quancheng.evidence.devices import DEVICE_CLOCK_TOLERANCE_SECONDS
from quancheng.evidence.models import DeviceCheckout, DeviceStatus
from quancheng.ledger.models import LedgerAction, LedgerEntry

GOOD = services.EquipmentCheck(
    battery_ok=True, storage_ok=True, clock_ok=True, battery_percent=95, storage_free_mb=30_000, clock_offset_seconds=1
)


def test_checkout_records_the_check_and_marks_the_device_out(device, zhangsan, lisi, case) -> None:
    # when
    checkout = services.device_checkout(
        actor=zhangsan, device=device, holder=lisi, check=GOOD, case=case, purpose="现场检查"
    )
    # then: DEVICE-03 — name, model, serial as checked, who, when, how
    check = checkout.checkout_check
    assert (check.equipment_name, check.model, check.serial) == ("执法记录仪", device.model, device.serial)
    assert (check.checked_by_id, check.battery_percent, check.passed) == (zhangsan.pk, 95, True)
    assert (checkout.holder_id, checkout.case_id, checkout.returned_at) == (lisi.pk, case.pk, None)
    device.refresh_from_db()
    assert device.status == DeviceStatus.CHECKED_OUT
    # then: the check, the checkout and the device's new state, all anchored
    entries = list(LedgerEntry.objects.filter(action=LedgerAction.DEVICE_CHECKED_OUT).order_by("index"))
    assert [e.subject for e in entries] == [
        f"device_check:{check.pk}",
        f"device_checkout:{checkout.pk}",
        f"device:{device.pk}",
    ]
    assert entries[-1].digests["row"] == device.ledger_digest()


def test_device_cannot_be_checked_out_twice(device, zhangsan, lisi, ledger_size) -> None:
    services.device_checkout(actor=zhangsan, device=device, holder=lisi, check=GOOD)
    before = ledger_size()
    with pytest.raises(DomainError) as excinfo:
        services.device_checkout(actor=zhangsan, device=device, holder=zhangsan, check=GOOD)
    assert excinfo.value.code == ErrorCode.DEVICE_UNAVAILABLE
    assert ledger_size() == before
    assert DeviceCheckout.objects.count() == 1


@pytest.mark.parametrize("failed", ["battery_ok", "storage_ok", "clock_ok", "condition_ok"])
def test_device_failing_the_check_is_not_handed_out(device, zhangsan, lisi, ledger_size, failed: str) -> None:
    before = ledger_size()
    check = services.EquipmentCheck(**{**GOOD.__dict__, failed: False})
    with pytest.raises(DomainError) as excinfo:
        services.device_checkout(actor=zhangsan, device=device, holder=lisi, check=check)
    assert excinfo.value.code == ErrorCode.DEVICE_UNAVAILABLE
    assert ledger_size() == before


def test_clock_beyond_tolerance_cannot_be_ticked_synchronised(device, zhangsan, lisi) -> None:
    check = services.EquipmentCheck(**{**GOOD.__dict__, "clock_offset_seconds": DEVICE_CLOCK_TOLERANCE_SECONDS + 1})
    with pytest.raises(DomainError) as excinfo:
        services.device_checkout(actor=zhangsan, device=device, holder=lisi, check=check)
    assert excinfo.value.code == ErrorCode.VALIDATION_ERROR


def test_return_with_check(device, zhangsan, lisi) -> None:
    checkout = services.device_checkout(actor=zhangsan, device=device, holder=lisi, check=GOOD)
    # when
    returned = services.device_return(actor=lisi, checkout=checkout, check=GOOD)
    # then
    assert returned.returned_at is not None and returned.returned_by_id == lisi.pk
    assert returned.return_check.kind == "return"
    device.refresh_from_db()
    assert device.status == DeviceStatus.IN_SERVICE
    assert LedgerEntry.objects.order_by("-index").first().action == LedgerAction.DEVICE_RETURNED
    # then: out again
    services.device_checkout(actor=zhangsan, device=device, holder=zhangsan, check=GOOD)


def test_damaged_on_return_goes_to_repair_and_cannot_go_out(device, zhangsan, lisi) -> None:
    checkout = services.device_checkout(actor=zhangsan, device=device, holder=lisi, check=GOOD)
    services.device_return(
        actor=lisi, checkout=checkout, check=services.EquipmentCheck(**{**GOOD.__dict__, "condition_ok": False})
    )
    device.refresh_from_db()
    assert device.status == DeviceStatus.REPAIR
    with pytest.raises(DomainError) as excinfo:
        services.device_checkout(actor=zhangsan, device=device, holder=lisi, check=GOOD)
    assert excinfo.value.code == ErrorCode.DEVICE_UNAVAILABLE


def test_return_twice_is_refused(device, zhangsan) -> None:
    checkout = services.device_checkout(actor=zhangsan, device=device, holder=zhangsan, check=GOOD)
    services.device_return(actor=zhangsan, checkout=checkout, check=GOOD)
    with pytest.raises(DomainError) as excinfo:
        services.device_return(actor=zhangsan, checkout=checkout, check=GOOD)
    assert excinfo.value.code == ErrorCode.DEVICE_UNAVAILABLE


def test_outsider_and_supervisor_may_not_check_out(device, outsider, supervisor, zhangsan) -> None:
    for actor in (outsider, supervisor):
        with pytest.raises(DomainError) as excinfo:
            services.device_checkout(actor=actor, device=device, holder=zhangsan, check=GOOD)
        assert excinfo.value.code == ErrorCode.PERMISSION_DENIED


def test_checkout_and_return_endpoints(device, zhangsan, lisi, api_client) -> None:
    client = api_client(zhangsan)
    check = {"battery_ok": True, "storage_ok": True, "clock_ok": True, "battery_percent": 80}
    out = client.post(
        f"/api/v1/devices/{device.pk}/checkouts",
        data={"holder_id": lisi.pk, "purpose": "日常巡查", "check": check},
        content_type="application/json",
    )
    assert out.status_code == 201, out.content
    again = client.post(
        f"/api/v1/devices/{device.pk}/checkouts",
        data={"holder_id": lisi.pk, "check": check},
        content_type="application/json",
    )
    assert (again.status_code, again.json()["code"]) == (409, "device_unavailable")
    back = client.post(
        f"/api/v1/devices/checkouts/{out.json()['id']}/return", data={"check": check}, content_type="application/json"
    )
    assert back.status_code == 200, back.content
    assert back.json()["return_check"]["passed"] is True
    listing = client.get(f"/api/v1/devices/{device.pk}/checkouts")
    assert [item["id"] for item in listing.json()] == [out.json()["id"]]
    assert client.get("/api/v1/devices").json()[0]["status"] == "in_service"
