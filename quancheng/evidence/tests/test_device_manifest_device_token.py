"""A recorder reports the files it recorded that day (DEVICE-04) with the same device token it uploads with; a
capture station (采集站) may report for the recorders of its agency; a user token still works, a device token
opens nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from quancheng.evidence import services
from quancheng.evidence.models import Device, DeviceManifest, DeviceType
from quancheng.ledger.models import LedgerAction, LedgerEntry
from quancheng.uploads import services as uploads

DAY = timezone.localdate() - timedelta(days=1)
ITEMS = [{"sha256": "a" * 64, "size": 1024, "name": "DSJ_0001.MP4"}]


def _token_client(device: Device) -> Client:
    _token, secret = uploads.device_token_create(actor=None, device=device, name="同步")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _post(client: Client, device: Device):
    return client.post(
        f"/api/v1/devices/{device.pk}/manifests",
        data={"day": DAY.isoformat(), "items": ITEMS},
        content_type="application/json",
    )


@pytest.fixture
def station(agency) -> Device:
    return services.device_register(
        actor=None, agency=agency, serial="CJZ-01", model="采集站", device_type=DeviceType.CAPTURE_STATION
    )


@pytest.fixture
def other_camera(agency) -> Device:
    return services.device_register(actor=None, agency=agency, serial="DSJ-2026-0002", model="DSJ-V8")


def test_device_reports_its_own_day_with_its_token(device) -> None:
    # when
    response = _post(_token_client(device), device)
    # then: recorded as sent by the device itself, and ledgered with the device as actor
    assert response.status_code == 201, response.content
    manifest = DeviceManifest.objects.get()
    assert (manifest.device_id, manifest.submitted_by_id, manifest.submitted_by_device_id) == (
        device.pk,
        None,
        device.pk,
    )
    entry = LedgerEntry.objects.get(subject=f"device_manifest:{manifest.pk}")
    assert (entry.action, entry.actor) == (LedgerAction.DEVICE_MANIFEST_SUBMITTED, f"device:{device.pk}")


def test_a_recorder_cannot_report_for_another(device, other_camera) -> None:
    response = _post(_token_client(device), other_camera)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not DeviceManifest.objects.exists()


def test_a_capture_station_reports_for_its_agencys_recorders(station, device) -> None:
    response = _post(_token_client(station), device)
    assert response.status_code == 201, response.content
    manifest = DeviceManifest.objects.get()
    assert (manifest.device_id, manifest.submitted_by_device_id) == (device.pk, station.pk)


def test_a_capture_station_cannot_reach_another_agencys_device(station, other_agency) -> None:
    foreign = services.device_register(actor=None, agency=other_agency, serial="DSJ-X", model="DSJ-V8")
    response = _post(_token_client(station), foreign)
    assert response.status_code == 404
    assert not DeviceManifest.objects.exists()


def test_revoked_device_token_is_401(device) -> None:
    token, secret = uploads.device_token_create(actor=None, device=device)
    uploads.device_token_revoke(actor=None, token=token)
    response = _post(Client(HTTP_AUTHORIZATION=f"Bearer {secret}"), device)
    assert response.status_code == 401
    assert not DeviceManifest.objects.exists()


def test_user_token_still_reports(device, zhangsan, api_client) -> None:
    response = _post(api_client(zhangsan), device)
    assert response.status_code == 201, response.content
    assert DeviceManifest.objects.get().submitted_by_id == zhangsan.pk


def test_device_token_opens_no_other_endpoint(device) -> None:
    client = _token_client(device)
    # when: the same token on the device's report and on the device list
    report = client.get(f"/api/v1/devices/{device.pk}/report", {"day": DAY.isoformat()})
    listing = client.get("/api/v1/devices")
    # then
    assert (report.status_code, listing.status_code) == (401, 401)
