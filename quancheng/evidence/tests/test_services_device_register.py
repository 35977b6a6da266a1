"""device_register: a 执法记录仪 of the agency (DEVICE-01/02), minimal until the device registry lands."""

from __future__ import annotations

import pytest

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.evidence import services
from quancheng.evidence.models import Device, DeviceStatus
from quancheng.ledger.models import LedgerAction, LedgerEntry


def test_register_device(agency, zhangsan) -> None:
    # when
    device = services.device_register(actor=zhangsan, agency=agency, serial=" DSJ-9 ", model="DSJ-V8")
    # then
    device.refresh_from_db()
    assert (device.agency_id, device.serial, device.model, device.status) == (
        agency.pk,
        "DSJ-9",
        "DSJ-V8",
        DeviceStatus.IN_SERVICE,
    )
    entry = LedgerEntry.objects.order_by("-index").first()
    assert (entry.action, entry.subject) == (LedgerAction.DEVICE_REGISTERED, f"device:{device.pk}")
    assert entry.digests == {"row": device.ledger_digest()}


def test_duplicate_serial_is_refused(agency, device, ledger_size) -> None:
    before = ledger_size()
    with pytest.raises(DomainError) as excinfo:
        services.device_register(actor=None, agency=agency, serial=device.serial, model="other")
    assert excinfo.value.code == ErrorCode.DUPLICATE
    assert ledger_size() == before
    assert Device.objects.count() == 1


@pytest.mark.parametrize(("serial", "model"), [("", "DSJ"), ("DSJ-1", " "), ("x" * 65, "DSJ")])
def test_bad_input_is_refused(agency, ledger_size, serial: str, model: str) -> None:
    before = ledger_size()
    with pytest.raises(DomainError) as excinfo:
        services.device_register(actor=None, agency=agency, serial=serial, model=model)
    assert excinfo.value.code == ErrorCode.VALIDATION_ERROR
    assert ledger_size() == before


def test_only_the_agencys_own_people_register_its_devices(agency, outsider, supervisor, ledger_size) -> None:
    before = ledger_size()
    for actor in (outsider, supervisor):
        with pytest.raises(DomainError) as excinfo:
            services.device_register(actor=actor, agency=agency, serial="DSJ-1", model="DSJ")
        assert excinfo.value.code == ErrorCode.PERMISSION_DENIED
    assert ledger_size() == before
