"""media_ingest: bytes stored once by content, a MediaObject per upload, both anchored in the ledger."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.evidence import services
from quancheng.evidence.models import Blob, MediaKind, MediaObject
from quancheng.evidence.storage import LocalBlobStore, get_blob_store, stage_chunks
from quancheng.ledger.models import LedgerAction, LedgerEntry

from . import samples
from .conftest import sha256_hex, stored_files

PHOTO = samples.jpeg()


def _stage(data: bytes):
    return stage_chunks(get_blob_store(), [data])


def test_ingest_stores_blob_and_media_with_ledger_entries(case, zhangsan, device, blob_dir: Path) -> None:
    """GEN-03, DEVICE-05, EVID-02: media with capture time, device and officer; blob and row in the ledger."""
    # given
    captured = timezone.now() - timedelta(hours=1)
    staged = _stage(PHOTO)
    # when
    media = services.media_ingest(
        actor=zhangsan,
        case=case,
        stored=staged,
        kind=MediaKind.PHOTO,
        content_type="image/jpeg",
        original_name="现场照片.jpg",
        captured_at=captured,
        device=device,
        officer=zhangsan,
    )
    # then: the state
    media.refresh_from_db()
    assert media.blob_id == sha256_hex(PHOTO)
    assert media.blob.size == len(PHOTO)
    assert (media.case_id, media.agency_id, media.kind) == (case.pk, case.agency_id, "photo")
    assert (media.device_id, media.officer_id, media.uploaded_by_id) == (device.pk, zhangsan.pk, zhangsan.pk)
    assert media.captured_at == captured
    store = LocalBlobStore(blob_dir)
    assert store.path(media.blob_id).read_bytes() == PHOTO
    # the photo and its thumbnail, nothing else (no temp file left in incoming)
    assert stored_files(blob_dir) == sorted([store.path(media.blob_id), store.path(media.preview_id)])
    # then: the ledger — the blob's first storage, the thumbnail's, then the media row, naming the bytes' digest
    blob_entry, preview_entry, media_entry = LedgerEntry.objects.order_by("-index")[:3][::-1]
    assert (preview_entry.action, preview_entry.subject) == (LedgerAction.BLOB_STORED, f"blob:{media.preview_id}")
    assert (blob_entry.action, blob_entry.subject) == (LedgerAction.BLOB_STORED, f"blob:{media.blob_id}")
    assert blob_entry.digests == {"row": media.blob.ledger_digest(), "blob": media.blob_id}
    assert (media_entry.action, media_entry.subject) == (LedgerAction.MEDIA_INGESTED, f"media:{media.pk}")
    assert media_entry.digests == {"row": media.ledger_digest(), "blob": media.blob_id}
    assert media_entry.actor == f"user:{zhangsan.pk}"


def test_same_bytes_twice_give_one_blob_and_two_media(case, zhangsan, lisi, blob_dir: Path) -> None:
    # given
    first = services.media_ingest(
        actor=zhangsan, case=case, stored=_stage(PHOTO), kind="photo", content_type="image/jpeg"
    )
    # when
    second = services.media_ingest(actor=lisi, case=case, stored=_stage(PHOTO), kind="photo", content_type="image/jpeg")
    # then
    assert first.pk != second.pk
    assert first.blob_id == second.blob_id
    assert Blob.objects.count() == 2  # the photo and its thumbnail, each once
    assert first.preview_id == second.preview_id
    assert MediaObject.objects.filter(blob_id=first.blob_id).count() == 2
    assert len(stored_files(blob_dir)) == 2
    assert LedgerEntry.objects.filter(action=LedgerAction.BLOB_STORED).count() == 2
    last = LedgerEntry.objects.order_by("-index").first()
    assert (last.action, last.subject) == (LedgerAction.MEDIA_INGESTED, f"media:{second.pk}")
    assert last.digests == {"row": second.ledger_digest(), "blob": first.blob_id}


def test_ingest_of_already_stored_blob(case, zhangsan) -> None:
    # given: bytes already in the store (e.g. committed by an earlier step)
    stored = get_blob_store().put_chunks([PHOTO])
    # when
    media = services.media_ingest(actor=zhangsan, case=case, stored=stored, kind="photo", content_type="image/jpeg")
    # then
    assert media.blob_id == stored.sha256


def test_ingest_links_a_record_of_the_case(case, zhangsan, record) -> None:
    media = services.media_ingest(
        actor=zhangsan, case=case, stored=_stage(samples.mp4()), kind="video", content_type="video/mp4", record=record
    )
    assert media.record_id == record.pk


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [("video/MP4", "video/mp4"), ("text/plain; charset=utf-8", "text/plain"), ("<script>", "application/octet-stream")],
)
def test_content_type_is_normalised(case, zhangsan, content_type: str, expected: str) -> None:
    media = services.media_ingest(
        actor=zhangsan, case=case, stored=_stage(PHOTO), kind="document", content_type=content_type
    )
    assert media.content_type == expected


def _refused(blob_dir: Path, ledger_size, code: ErrorCode, **kwargs) -> None:
    """Ingest must raise ``code`` and leave no row, no ledger entry and no file behind."""
    before = ledger_size()
    staged = _stage(PHOTO)
    params = {"kind": "photo", "content_type": "image/jpeg", **kwargs}
    with pytest.raises(DomainError) as excinfo:
        services.media_ingest(stored=staged, **params)
    assert excinfo.value.code == code
    assert ledger_size() == before
    assert not MediaObject.objects.exists()
    assert not Blob.objects.exists()
    assert stored_files(blob_dir) == []


def test_supervisor_may_not_ingest(case, supervisor, blob_dir, ledger_size) -> None:
    _refused(blob_dir, ledger_size, ErrorCode.PERMISSION_DENIED, actor=supervisor, case=case)


def test_outsider_may_not_ingest(case, outsider, blob_dir, ledger_size) -> None:
    _refused(blob_dir, ledger_size, ErrorCode.PERMISSION_DENIED, actor=outsider, case=case)


def test_archived_case_refuses_media(archived_case, zhangsan, blob_dir, ledger_size) -> None:
    _refused(blob_dir, ledger_size, ErrorCode.CASE_CLOSED, actor=zhangsan, case=archived_case)


def test_declared_digest_must_match(case, zhangsan, blob_dir, ledger_size) -> None:
    _refused(
        blob_dir, ledger_size, ErrorCode.DIGEST_MISMATCH, actor=zhangsan, case=case, expected_sha256=sha256_hex(b"x")
    )


def test_unknown_kind_is_refused(case, zhangsan, blob_dir, ledger_size) -> None:
    _refused(blob_dir, ledger_size, ErrorCode.VALIDATION_ERROR, actor=zhangsan, case=case, kind="hologram")


def test_record_of_another_case_is_refused(case, other_case, outsider, zhangsan, make_record, blob_dir, ledger_size):
    foreign_record = make_record(other_case, outsider)
    before = ledger_size()
    with pytest.raises(DomainError) as excinfo:
        services.media_ingest(
            actor=zhangsan,
            case=case,
            stored=_stage(PHOTO),
            kind="photo",
            content_type="image/jpeg",
            record=foreign_record,
        )
    assert excinfo.value.code == ErrorCode.VALIDATION_ERROR
    assert ledger_size() == before
    assert stored_files(blob_dir) == []


def test_device_of_another_agency_is_refused(case, zhangsan, other_agency, blob_dir, ledger_size) -> None:
    foreign_device = services.device_register(actor=None, agency=other_agency, serial="OTHER-1", model="X1")
    _refused(blob_dir, ledger_size, ErrorCode.VALIDATION_ERROR, actor=zhangsan, case=case, device=foreign_device)


def test_capture_time_in_the_future_is_refused(case, zhangsan, blob_dir, ledger_size) -> None:
    future = timezone.now() + services.CAPTURE_CLOCK_SKEW + timedelta(minutes=1)
    _refused(blob_dir, ledger_size, ErrorCode.VALIDATION_ERROR, actor=zhangsan, case=case, captured_at=future)


def test_fault_between_row_and_ledger_leaves_neither(case, zhangsan, ledger_size, monkeypatch) -> None:
    """State and ledger entry commit or roll back together: a failing ledger append undoes the rows."""
    # given
    before = ledger_size()

    def failing_ledger_record(**kwargs):
        if kwargs["action"] == LedgerAction.MEDIA_INGESTED:
            raise RuntimeError("injected fault")
        return real(**kwargs)

    real = services.ledger_record
    monkeypatch.setattr(services, "ledger_record", failing_ledger_record)
    # when
    with pytest.raises(RuntimeError, match="injected fault"):
        services.media_ingest(actor=zhangsan, case=case, stored=_stage(PHOTO), kind="photo", content_type="image/jpeg")
    # then: neither the Blob row nor its entry survived the rolled-back transaction
    assert ledger_size() == before
    assert not Blob.objects.exists()
    assert not MediaObject.objects.exists()
