"""Playback custody (ACCESS-05/06): the Range requests of one viewing — same user, media and purpose within
QUANCHENG_PLAYBACK_CUSTODY_WINDOW_SECONDS — are one custody entry, the first; a download of the whole file is
logged every time; another user, another purpose or a later viewing gets its own entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from quancheng.core.errors import DomainError, ErrorCode
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


def _play(client, media, start: int, purpose: str = "case_handling"):
    response = client.get(
        f"/api/v1/media/{media.pk}/content", {"purpose": purpose}, headers={"Range": f"bytes={start}-{start + 99}"}
    )
    assert response.status_code == 206, response.content
    assert b"".join(response.streaming_content) == VIDEO[start : start + 100]
    return response


def _played_entries() -> int:
    return LedgerEntry.objects.filter(action=LedgerAction.MEDIA_PLAYED).count()


def test_seeks_of_one_viewing_are_one_entry_the_first(media, zhangsan, api_client) -> None:
    # given
    client = api_client(zhangsan)
    # when: a player starts, then seeks four times
    for start in (0, 500, 1500, 200, 900):
        _play(client, media, start)
    # then: one custody entry, the first range, one ledger entry
    access = MediaAccess.objects.get()
    assert (access.user_id, access.action, access.purpose, access.byte_range) == (
        zhangsan.pk,
        "play",
        "case_handling",
        "0-99",
    )
    assert _played_entries() == 1


def test_download_without_range_is_always_logged(media, zhangsan, api_client) -> None:
    # given: a viewing already logged
    client = api_client(zhangsan)
    _play(client, media, 0)
    # when: the whole file is downloaded twice
    for _ in range(2):
        response = client.get(f"/api/v1/media/{media.pk}/content", {"purpose": "case_handling"})
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == VIDEO
    # then: each download has its own entry
    assert list(MediaAccess.objects.order_by("pk").values_list("action", flat=True)) == ["play", "download", "download"]
    assert LedgerEntry.objects.filter(action=LedgerAction.MEDIA_DOWNLOADED).count() == 2


def test_another_user_or_purpose_is_logged_separately(media, zhangsan, lisi, api_client) -> None:
    # when
    _play(api_client(zhangsan), media, 0)
    _play(api_client(lisi), media, 0)
    _play(api_client(zhangsan), media, 100, purpose="internal_study")
    # then
    assert sorted(MediaAccess.objects.values_list("user_id", "purpose")) == sorted(
        [(zhangsan.pk, "case_handling"), (lisi.pk, "case_handling"), (zhangsan.pk, "internal_study")]
    )
    assert _played_entries() == 3


def test_a_viewing_after_the_window_gets_its_own_entry(settings, media, zhangsan) -> None:
    # given: a playback logged at t
    window = timedelta(seconds=settings.QUANCHENG_PLAYBACK_CUSTODY_WINDOW_SECONDS)
    start = timezone.now() - 3 * window
    first = services.media_playback_record(
        actor=zhangsan, media=media, purpose="case_handling", byte_range="0-99", now=start
    )
    # when: a seek just inside the window, then one just after it
    inside = services.media_playback_record(
        actor=zhangsan, media=media, purpose="case_handling", byte_range="500-599", now=start + window / 2
    )
    later = start + window + timedelta(seconds=1)
    after = services.media_playback_record(
        actor=zhangsan, media=media, purpose="case_handling", byte_range="900-999", now=later
    )
    # then
    assert inside.pk == first.pk
    assert after.pk != first.pk and after.byte_range == "900-999"
    assert _played_entries() == 2


def test_window_zero_logs_every_range_request(settings, media, zhangsan, api_client) -> None:
    # given
    settings.QUANCHENG_PLAYBACK_CUSTODY_WINDOW_SECONDS = 0
    client = api_client(zhangsan)
    # when
    for start in (0, 100, 200):
        _play(client, media, start)
    # then
    ranges = list(MediaAccess.objects.order_by("pk").values_list("byte_range", flat=True))
    assert ranges == ["0-99", "100-199", "200-299"]
    assert _played_entries() == 3


def test_playback_still_needs_a_permitted_purpose(media, zhangsan) -> None:
    with pytest.raises(DomainError) as excinfo:
        services.media_playback_record(actor=zhangsan, media=media, purpose="curiosity", byte_range="0-9")
    assert excinfo.value.code == ErrorCode.PURPOSE_REQUIRED  # ACCESS-05
    assert not MediaAccess.objects.exists()
