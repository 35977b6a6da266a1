"""media_ingest probes the content: metadata and a preview are stored with the media and anchored in the ledger;
unreadable or mislabelled files are refused before anything is stored (GEN-03, EVID-02)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.evidence import services
from quancheng.evidence.models import Blob, MediaObject
from quancheng.evidence.storage import LocalBlobStore, get_blob_store, stage_chunks
from quancheng.ledger.models import LedgerAction, LedgerEntry

from . import samples
from .conftest import stored_files


def _stage(data: bytes):
    return stage_chunks(get_blob_store(), [data])


def test_video_metadata_and_poster_are_stored_and_anchored(case, zhangsan, blob_dir: Path) -> None:
    # when
    media = services.media_ingest(
        actor=zhangsan, case=case, stored=_stage(samples.mp4()), kind="video", content_type="video/mp4"
    )
    # then: the row carries what the bytes say
    media.refresh_from_db()
    assert media.duration_ms == 3000
    assert (media.video_codec, media.audio_codec, media.width, media.height) == ("h264", "aac", 320, 240)
    assert media.recorded_at == datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    assert media.captured_at == media.recorded_at  # none given: the file's own time
    # then: the poster frame is a blob of its own in the store
    assert media.preview_id is not None and (media.preview_width, media.preview_height) == (320, 240)
    with Image.open(LocalBlobStore(blob_dir).path(media.preview_id)) as poster:
        assert poster.format == "JPEG" and poster.size == (320, 240)
    # then: the metadata is part of the digest the ledger anchored
    entry = LedgerEntry.objects.get(subject=f"media:{media.pk}", action=LedgerAction.MEDIA_INGESTED)
    assert entry.digests["row"] == media.ledger_digest()
    assert media.ledger_snapshot()["duration_ms"] == 3000
    assert media.ledger_snapshot()["preview_id"] == media.preview_id


def test_photo_exif_is_stored(case, zhangsan) -> None:
    media = services.media_ingest(
        actor=zhangsan, case=case, stored=_stage(samples.jpeg()), kind="photo", content_type="image/jpeg"
    )
    media.refresh_from_db()
    assert (media.width, media.height, media.orientation) == (200, 400, 6)
    assert (media.gps_latitude, media.gps_longitude) == (Decimal("31.230400"), Decimal("121.473667"))
    assert (media.preview_width, media.preview_height) == (160, 320)
    entry = LedgerEntry.objects.get(subject=f"media:{media.pk}", action=LedgerAction.MEDIA_INGESTED)
    assert entry.digests["row"] == media.ledger_digest()


@pytest.mark.parametrize(
    ("data", "kind", "content_type", "code"),
    [
        (b"plain text saved as a video\n" * 20, "video", "video/mp4", ErrorCode.MEDIA_UNREADABLE),
        ("jpeg", "photo", "image/png", ErrorCode.MEDIA_TYPE_MISMATCH),
        ("mp4", "audio", "audio/mp4", ErrorCode.MEDIA_TYPE_MISMATCH),
    ],
    ids=["text as mp4", "jpeg declared png", "video as audio"],
)
def test_refused_content_leaves_nothing(case, zhangsan, blob_dir, ledger_size, data, kind, content_type, code) -> None:
    # given
    content = {"jpeg": samples.jpeg(), "mp4": samples.mp4()}.get(data, data)
    before = ledger_size()
    staged = _stage(content)
    # when
    with pytest.raises(DomainError) as excinfo:
        services.media_ingest(actor=zhangsan, case=case, stored=staged, kind=kind, content_type=content_type)
    # then: no row, no entry, no file (neither the upload nor a preview)
    assert excinfo.value.code == code
    assert ledger_size() == before
    assert not Blob.objects.exists() and not MediaObject.objects.exists()
    assert stored_files(blob_dir) == []


def test_upload_of_text_named_mp4_is_422(case, zhangsan, api_client, upload, blob_dir, ledger_size) -> None:
    client = api_client(zhangsan)
    before = ledger_size()
    response = upload(client, case.pk, b"hello, not a video", kind="video", name="记录.mp4", content_type="video/mp4")
    assert response.status_code == 422
    assert response.json()["code"] == "media_unreadable"
    assert ledger_size() == before
    assert stored_files(blob_dir) == []
