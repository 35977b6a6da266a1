"""The evidence API: upload, list, metadata, authorised streaming download, attach."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from quancheng.evidence import services
from quancheng.evidence.models import Blob, MediaObject
from quancheng.evidence.storage import get_blob_store, stage_chunks
from quancheng.ledger.models import LedgerAction, LedgerEntry

from . import samples
from .conftest import sha256_hex, stored_files

VIDEO = samples.mp4()
PURPOSE = "?purpose=case_handling"


@pytest.fixture
def media(case, zhangsan):
    staged = stage_chunks(get_blob_store(), [VIDEO])
    return services.media_ingest(
        actor=zhangsan, case=case, stored=staged, kind="video", content_type="video/mp4", original_name="询问.mp4"
    )


def test_upload_returns_201_with_digest_and_metadata(case, zhangsan, device, record, api_client, upload) -> None:
    # given
    client = api_client(zhangsan)
    captured = (timezone.now() - timedelta(minutes=30)).replace(microsecond=0)
    # when
    response = upload(
        client,
        case.pk,
        VIDEO,
        kind="video",
        name="执法记录仪-001.mp4",
        content_type="video/mp4",
        fields={"captured_at": captured.isoformat(), "device_serial": device.serial, "record_id": str(record.pk)},
    )
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    media = MediaObject.objects.get(pk=body["id"])
    assert body["sha256"] == media.blob_id == hashlib.sha256(VIDEO).hexdigest()
    assert body["size"] == len(VIDEO)
    assert body["kind"] == "video" and body["kind_label"] == "录像"
    assert body["content_type"] == "video/mp4"
    assert body["original_name"] == "执法记录仪-001.mp4"
    assert body["device_serial"] == device.serial
    assert body["record_id"] == record.pk
    assert body["officer_id"] == body["uploaded_by_id"] == zhangsan.pk
    assert media.captured_at == captured
    assert body["content_url"] == f"/api/v1/media/{media.pk}/content"
    entry = LedgerEntry.objects.order_by("-index").first()
    assert (entry.action, entry.subject) == (LedgerAction.MEDIA_INGESTED, f"media:{media.pk}")
    assert entry.digests == {"row": media.ledger_digest(), "blob": media.blob_id}


def test_list_and_detail(case, zhangsan, media, api_client) -> None:
    client = api_client(zhangsan)
    listing = client.get(f"/api/v1/cases/{case.pk}/media")
    detail = client.get(f"/api/v1/media/{media.pk}")
    assert listing.status_code == 200
    assert [item["id"] for item in listing.json()] == [media.pk]
    assert detail.status_code == 200
    assert detail.json()["sha256"] == media.blob_id


def test_download_streams_exact_bytes_with_type_and_etag(zhangsan, media, api_client) -> None:
    # when
    response = api_client(zhangsan).get(f"/api/v1/media/{media.pk}/content{PURPOSE}")
    # then
    assert response.status_code == 200
    assert response.streaming
    assert b"".join(response.streaming_content) == VIDEO
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Length"] == str(len(VIDEO))
    assert response["ETag"] == f'"{media.blob_id}"'
    assert response["X-Content-SHA256"] == media.blob_id
    assert response["Content-Disposition"].startswith("inline")


def test_download_with_matching_etag_is_not_modified(zhangsan, media, api_client) -> None:
    response = api_client(zhangsan).get(
        f"/api/v1/media/{media.pk}/content{PURPOSE}", headers={"If-None-Match": f'"{media.blob_id}"'}
    )
    assert response.status_code == 304
    assert response["ETag"] == f'"{media.blob_id}"'


def test_active_content_is_served_as_attachment(case, zhangsan, api_client) -> None:
    """Uploaded HTML must never render in our origin."""
    staged = stage_chunks(get_blob_store(), [b"<script>alert(1)</script>"])
    page = services.media_ingest(actor=zhangsan, case=case, stored=staged, kind="document", content_type="text/html")
    response = api_client(zhangsan).get(f"/api/v1/media/{page.pk}/content{PURPOSE}")
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Disposition"].startswith("attachment")


def test_supervisor_may_download_but_not_upload(case, supervisor, media, api_client, upload, blob_dir, ledger_size):
    """ACCESS-01: the supervising agency's 监督人员 reads the supervised agency's media; writing is not theirs."""
    # given
    client = api_client(supervisor)
    files_before = stored_files(blob_dir)
    before = ledger_size()
    # when
    download = client.get(f"/api/v1/media/{media.pk}/content{PURPOSE}")
    refused = upload(client, case.pk, b"supervisor bytes")
    # then
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == VIDEO
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert ledger_size() == before + 1  # the download's custody entry (ACCESS-05), nothing of the upload
    assert LedgerEntry.objects.order_by("-index").first().action == LedgerAction.MEDIA_DOWNLOADED
    assert stored_files(blob_dir) == files_before
    assert MediaObject.objects.count() == 1


def test_another_agencys_case_is_not_found(other_case, zhangsan, media, api_client, upload, blob_dir, ledger_size):
    # given
    client = api_client(zhangsan)
    files_before = stored_files(blob_dir)
    before = ledger_size()
    # when
    refused = upload(client, other_case.pk, b"wrong agency")
    listing = client.get(f"/api/v1/cases/{other_case.pk}/media")
    # then
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    assert listing.status_code == 404
    assert ledger_size() == before
    assert stored_files(blob_dir) == files_before


def test_outsider_cannot_read_media(outsider, media, api_client) -> None:
    client = api_client(outsider)
    for path in (f"/api/v1/media/{media.pk}", f"/api/v1/media/{media.pk}/content"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_unknown_device_serial_is_refused(case, zhangsan, api_client, upload, blob_dir, ledger_size) -> None:
    client = api_client(zhangsan)
    before = ledger_size()
    response = upload(client, case.pk, b"bytes", fields={"device_serial": "NO-SUCH"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert ledger_size() == before
    assert stored_files(blob_dir) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        # PostgreSQL refuses NUL in text, even as a query parameter: the device lookup was a 500 there.
        ("device_serial", "DSJ\x00-2026"),
        ("kind", "photo\x00"),
        # The UTC instant would fall in year 0 / year 10000: a 500 when the row was written.
        ("captured_at", "0001-01-01T00:00:00+14:00"),
        ("captured_at", "9999-12-31T23:59:59-23:59"),
    ],
    ids=["NUL serial", "NUL kind", "year 0 in UTC", "year 10000 in UTC"],
)
def test_unstorable_form_values_are_422_and_store_nothing(
    case, zhangsan, api_client, upload, blob_dir, ledger_size, field, value
) -> None:
    # given
    client = api_client(zhangsan)
    before = ledger_size()
    fields = {"kind": "photo", field: value}
    # when
    response = upload(client, case.pk, b"bytes", kind=fields.pop("kind"), fields=fields)
    # then
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["loc"] == ["form", field]
    assert ledger_size() == before
    assert stored_files(blob_dir) == []
    assert not Blob.objects.exists()


def test_record_of_another_case_is_refused(case, zhangsan, unit, agency, make_record, api_client, upload, ledger_size):
    from quancheng.cases import services as cases

    second = cases.case_open(
        actor=zhangsan,
        agency=agency,
        unit=unit,
        title="另一案件",
        act_type="penalty",
        source="report",
        procedure="general",
    )
    other_record = make_record(second, zhangsan)
    client = api_client(zhangsan)
    before = ledger_size()
    response = upload(client, case.pk, b"bytes", fields={"record_id": str(other_record.pk)})
    assert response.status_code == 422
    assert ledger_size() == before
    assert not Blob.objects.exists()


def test_attach_endpoint(zhangsan, media, record, api_client) -> None:
    # when
    response = api_client(zhangsan).post(
        f"/api/v1/media/{media.pk}/record", data={"record_id": record.pk}, content_type="application/json"
    )
    # then
    assert response.status_code == 200, response.content
    assert response.json()["record_id"] == record.pk
    media.refresh_from_db()
    assert media.record_id == record.pk
    assert LedgerEntry.objects.order_by("-index").first().action == LedgerAction.MEDIA_ATTACHED


def test_openapi_describes_the_multipart_upload(client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    body = schema["paths"]["/api/v1/cases/{case_id}/media"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert body["schema"]["properties"]["file"] == {"type": "string", "format": "binary", "description": "文件内容"}
    assert set(body["schema"]["required"]) == {"file", "kind"}


def test_download_hash_matches_the_ledger(zhangsan, media, api_client) -> None:
    """What a client downloads is exactly what the ledger anchored (INTEGRITY-01)."""
    response = api_client(zhangsan).get(f"/api/v1/media/{media.pk}/content{PURPOSE}")
    entry = LedgerEntry.objects.get(subject=f"media:{media.pk}", action=LedgerAction.MEDIA_INGESTED)
    assert sha256_hex(b"".join(response.streaming_content)) == entry.digests["blob"]


def test_stored_blob_path_is_content_addressed(media, blob_dir: Path) -> None:
    sha = media.blob_id
    assert (blob_dir / "sha256" / sha[:2] / sha[2:4] / sha).read_bytes() == VIDEO
