"""Custody (ACCESS-05/06, ARCHIVE-08): every view, playback, download, share and export of a media object is a
MediaAccess row anchored in the ledger; content needs a permitted purpose; playback streams HTTP Ranges."""

from __future__ import annotations

import pytest

from quancheng.evidence import services
from quancheng.evidence.models import MediaAccess
from quancheng.evidence.storage import get_blob_store, stage_chunks
from quancheng.ledger.models import LedgerAction, LedgerEntry

from . import samples

VIDEO = samples.mp4()


@pytest.fixture
def media(case, zhangsan):
    staged = stage_chunks(get_blob_store(), [VIDEO])
    return services.media_ingest(actor=zhangsan, case=case, stored=staged, kind="video", content_type="video/mp4")


def _last_entry() -> LedgerEntry:
    return LedgerEntry.objects.order_by("-index").first()


def test_metadata_view_is_logged(media, lisi, api_client) -> None:
    response = api_client(lisi).get(f"/api/v1/media/{media.pk}")
    assert response.status_code == 200
    access = MediaAccess.objects.get()
    assert (access.user_id, access.action, access.purpose) == (lisi.pk, "view", "")
    entry = _last_entry()
    assert (entry.action, entry.subject, entry.actor) == (
        LedgerAction.MEDIA_VIEWED,
        f"media_access:{access.pk}",
        f"user:{lisi.pk}",
    )
    assert entry.digests == {"row": access.ledger_digest(), "blob": media.blob_id}


@pytest.mark.parametrize("purpose", [None, "", "curiosity"], ids=["none", "empty", "not permitted"])
def test_download_without_permitted_purpose_is_refused(media, zhangsan, api_client, purpose) -> None:
    client = api_client(zhangsan)
    query = {} if purpose is None else {"purpose": purpose}
    response = client.get(f"/api/v1/media/{media.pk}/content", query)
    assert response.status_code == 422
    assert response.json()["code"] == "purpose_required"  # ACCESS-05
    assert not MediaAccess.objects.exists()


def test_download_is_logged_with_its_purpose(media, zhangsan, api_client) -> None:
    response = api_client(zhangsan).get(
        f"/api/v1/media/{media.pk}/content", headers={"X-Access-Purpose": "evidence_in_proceedings"}
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == VIDEO
    assert response["Accept-Ranges"] == "bytes"
    access = MediaAccess.objects.get()
    assert (access.action, access.purpose, access.byte_range) == ("download", "evidence_in_proceedings", "")
    assert _last_entry().action == LedgerAction.MEDIA_DOWNLOADED


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=0-99", 0, 99), ("bytes=100-", 100, None), ("bytes=-50", None, None), ("bytes=10-999999999", 10, None)],
    ids=["first 100", "from 100", "last 50", "past the end"],
)
def test_range_playback_is_206_with_the_slice(media, zhangsan, api_client, header, first, last) -> None:
    size = len(VIDEO)
    start = size - 50 if first is None else first
    end = size - 1 if last is None else last
    # when
    response = api_client(zhangsan).get(
        f"/api/v1/media/{media.pk}/content", {"purpose": "case_handling"}, headers={"Range": header}
    )
    # then
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{size}"
    assert response["Content-Length"] == str(end - start + 1)
    assert response["Accept-Ranges"] == "bytes"
    assert b"".join(response.streaming_content) == VIDEO[start : end + 1]
    access = MediaAccess.objects.get()
    assert (access.action, access.byte_range) == ("play", f"{start}-{end}")
    assert _last_entry().action == LedgerAction.MEDIA_PLAYED


@pytest.mark.parametrize("header", [f"bytes={len(VIDEO)}-", "bytes=50-10", "bytes=abc", "bytes=-0"])
def test_bad_range_is_416(media, zhangsan, api_client, header) -> None:
    response = api_client(zhangsan).get(
        f"/api/v1/media/{media.pk}/content", {"purpose": "case_handling"}, headers={"Range": header}
    )
    assert response.status_code == 416
    assert response.json()["code"] == "range_not_satisfiable"
    assert not MediaAccess.objects.exists()


def test_stale_if_range_gets_the_whole_file(media, zhangsan, api_client) -> None:
    response = api_client(zhangsan).get(
        f"/api/v1/media/{media.pk}/content",
        {"purpose": "case_handling"},
        headers={"Range": "bytes=0-9", "If-Range": '"not-the-etag"'},
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == VIDEO


def test_share_and_export_need_staff_and_recipient(media, zhangsan, supervisor, api_client) -> None:
    # given
    staff, outside = api_client(zhangsan), api_client(supervisor)
    body = {"purpose": "lawful_provision", "recipient": "示例市人民法院", "note": "刻录光盘一份"}
    # when
    shared = staff.post(f"/api/v1/media/{media.pk}/shares", data=body, content_type="application/json")
    exported = staff.post(f"/api/v1/media/{media.pk}/exports", data=body, content_type="application/json")
    by_supervisor = outside.post(f"/api/v1/media/{media.pk}/exports", data=body, content_type="application/json")
    no_recipient = staff.post(
        f"/api/v1/media/{media.pk}/shares", data={**body, "recipient": ""}, content_type="application/json"
    )
    # then
    assert (shared.status_code, exported.status_code) == (201, 201)
    assert by_supervisor.status_code == 403
    assert no_recipient.status_code == 422
    assert list(MediaAccess.objects.values_list("action", "recipient")) == [
        ("share", "示例市人民法院"),
        ("export", "示例市人民法院"),
    ]
    assert _last_entry().action == LedgerAction.MEDIA_EXPORTED


def test_custody_list_shows_who_accessed_what(media, zhangsan, lisi, supervisor, api_client) -> None:
    # given
    api_client(lisi).get(f"/api/v1/media/{media.pk}")
    api_client(lisi).get(
        f"/api/v1/media/{media.pk}/content", {"purpose": "internal_study"}, headers={"Range": "bytes=0-9"}
    )
    api_client(zhangsan).get(f"/api/v1/media/{media.pk}/content", {"purpose": "case_handling"})
    # when: the supervisor reads the custody list
    response = api_client(supervisor).get(f"/api/v1/media/{media.pk}/custody")
    # then
    assert response.status_code == 200
    rows = [(r["user_id"], r["action"], r["purpose"], r["byte_range"]) for r in response.json()]
    assert rows == [
        (lisi.pk, "view", "", ""),
        (lisi.pk, "play", "internal_study", "0-9"),
        (zhangsan.pk, "download", "case_handling", ""),
    ]
    assert response.json()[1]["purpose_label"] == "内部管理和学习交流"


def test_outsider_gets_404_not_a_custody_entry(media, outsider, api_client) -> None:
    client = api_client(outsider)
    for path in ("", "/content?purpose=case_handling", "/custody"):
        assert client.get(f"/api/v1/media/{media.pk}{path}").status_code == 404
    assert not MediaAccess.objects.exists()
