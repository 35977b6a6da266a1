"""The completeness report per device and day: the files the device reported (its manifest) against the footage
received — missing and extra items listed (DEVICE-04/05)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.evidence import selectors, services
from quancheng.evidence.storage import get_blob_store, stage_chunks
from quancheng.ledger.models import LedgerAction, LedgerEntry

from . import samples
from .conftest import sha256_hex

DAY = timezone.localdate() - timedelta(days=1)
NOON = timezone.make_aware(datetime.combine(DAY, datetime.min.time())) + timedelta(hours=12)


def _ingest(zhangsan, agency, device, data: bytes, kind: str, content_type: str):
    staged = stage_chunks(get_blob_store(), [data])
    return services.media_ingest(
        actor=zhangsan, agency=agency, stored=staged, kind=kind, content_type=content_type, device=device,
        captured_at=NOON,
    )  # fmt: skip


def test_report_lists_received_missing_and_extra(agency, device, zhangsan) -> None:
    # given: the device recorded three files that day; two arrived, plus one it never reported
    clip, photo, lost = samples.mp4(), samples.jpeg(), b"never uploaded"
    unreported = samples.png(9)
    received_clip = _ingest(zhangsan, agency, device, clip, "video", "video/mp4")
    _ingest(zhangsan, agency, device, photo, "photo", "image/jpeg")
    extra = _ingest(zhangsan, agency, device, unreported, "photo", "image/png")
    items = [services.ManifestItem(sha256=sha256_hex(data), size=len(data), recorded_at=NOON) for data in (clip, photo)]
    services.device_manifest_submit(actor=zhangsan, device=device, day=DAY, items=items)
    # a second sync the same day adds the lost file
    services.device_manifest_submit(
        actor=zhangsan, device=device, day=DAY, items=[services.ManifestItem(sha256=sha256_hex(lost), size=len(lost))]
    )
    # when
    report = selectors.device_day_report(zhangsan, device.pk, DAY)
    # then
    assert report.manifests == 2
    assert len(report.reported) == 3
    assert {item["sha256"] for item in report.received} == {sha256_hex(clip), sha256_hex(photo)}
    assert next(i for i in report.received if i["sha256"] == sha256_hex(clip))["media_ids"] == [received_clip.pk]
    assert [item["sha256"] for item in report.missing] == [sha256_hex(lost)]
    assert [item["media_id"] for item in report.extra] == [extra.pk]
    assert not report.complete


def test_complete_when_everything_reported_arrived(agency, device, zhangsan) -> None:
    clip = samples.mp4()
    _ingest(zhangsan, agency, device, clip, "video", "video/mp4")
    services.device_manifest_submit(
        actor=zhangsan, device=device, day=DAY, items=[services.ManifestItem(sha256=sha256_hex(clip), size=len(clip))]
    )
    report = selectors.device_day_report(zhangsan, device.pk, DAY)
    assert report.complete and report.missing == [] and report.extra == []


def test_manifest_is_ledgered_and_sent_by_the_device_itself(device) -> None:
    # when: the device reports with its own token (no user)
    manifest = services.device_manifest_submit(
        actor=None, device=device, day=DAY, submitted_by_device=device,
        items=[services.ManifestItem(sha256="A" * 64, size=10), services.ManifestItem(sha256="a" * 64, size=10)],
    )  # fmt: skip
    # then: one item per digest, normalised; anchored with the device as actor
    assert manifest.items == [{"sha256": "a" * 64, "size": 10, "recorded_at": "", "name": ""}]
    entry = LedgerEntry.objects.order_by("-index").first()
    assert (entry.action, entry.actor) == (LedgerAction.DEVICE_MANIFEST_SUBMITTED, f"device:{device.pk}")
    assert entry.digests["row"] == manifest.ledger_digest()


@pytest.mark.parametrize(
    "items",
    [[services.ManifestItem(sha256="xyz", size=1)], [services.ManifestItem(sha256="b" * 64, size=0)]],
    ids=["bad digest", "empty file"],
)
def test_bad_manifest_is_refused(device, zhangsan, ledger_size, items) -> None:
    before = ledger_size()
    with pytest.raises(DomainError) as excinfo:
        services.device_manifest_submit(actor=zhangsan, device=device, day=DAY, items=items)
    assert excinfo.value.code == ErrorCode.VALIDATION_ERROR
    assert ledger_size() == before


def test_outsider_sees_no_report(device, outsider) -> None:
    with pytest.raises(DomainError) as excinfo:
        selectors.device_day_report(outsider, device.pk, DAY)
    assert excinfo.value.code == ErrorCode.NOT_FOUND


def test_manifest_and_report_endpoints(agency, device, zhangsan, api_client) -> None:
    clip = samples.mp4()
    _ingest(zhangsan, agency, device, clip, "video", "video/mp4")
    client = api_client(zhangsan)
    posted = client.post(
        f"/api/v1/devices/{device.pk}/manifests",
        data={"day": DAY.isoformat(), "items": [{"sha256": sha256_hex(clip), "size": len(clip)},
                                                {"sha256": "c" * 64, "size": 5, "name": "DSJ_0002.MP4"}]},
        content_type="application/json",
    )  # fmt: skip
    assert posted.status_code == 201, posted.content
    report = client.get(f"/api/v1/devices/{device.pk}/report", {"day": DAY.isoformat()})
    assert report.status_code == 200, report.content
    body = report.json()
    assert (body["complete"], len(body["received"]), body["missing"][0]["name"]) == (False, 1, "DSJ_0002.MP4")
