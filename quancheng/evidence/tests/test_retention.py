"""Retention (ARCHIVE-01/03, INTEGRITY-02): ordinary footage is disposed after its period, with a ledgered record
of what was removed; media linked to a case, marked evidence or on hold is spared; bytes another media object
still uses stay; ``verify`` accepts the disposed bytes' absence but still reports bytes lost without a record."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.evidence import retention, services
from quancheng.evidence.models import Blob, BlobDisposal, MediaDisposal
from quancheng.evidence.storage import LocalBlobStore, get_blob_store, stage_chunks
from quancheng.ledger.models import LedgerAction, LedgerEntry
from quancheng.ledger.verify import ProblemKind, verify

from . import samples

# Just past the default period (QUANCHENG_MEDIA_RETENTION_MONTHS = 6): the disposal task is run "then".
LATER = timedelta(days=31 * 6 + 1)


def _ingest(actor, *, agency=None, case=None, data: bytes | None = None):
    staged = stage_chunks(get_blob_store(), [data or samples.mp4()])
    return services.media_ingest(
        actor=actor, agency=agency, case=case, stored=staged, kind="video", content_type="video/mp4"
    )


def _later():
    return timezone.now() + LATER


def test_expired_ordinary_footage_is_disposed_and_recorded(agency, zhangsan, blob_dir: Path) -> None:
    # given
    media = _ingest(zhangsan, agency=agency)
    store = LocalBlobStore(blob_dir)
    assert store.path(media.blob_id).exists()
    # when
    run = retention.media_dispose_expired(now=_later())
    # then: the media's disposal, and one record per removed blob (footage and poster) with digest, size, reason
    assert run.disposed == [media.pk]
    assert run.blobs_removed == 2
    assert run.bytes_removed == media.blob.size + Blob.objects.get(pk=media.preview_id).size
    disposal = MediaDisposal.objects.get(media=media)
    assert disposal.reason == retention.DEFAULT_DISPOSAL_REASON
    records = {r.blob_id: r for r in BlobDisposal.objects.all()}
    assert set(records) == {media.blob_id, media.preview_id}
    assert records[media.blob_id].size == len(samples.mp4())
    assert not store.path(media.blob_id).exists() and not store.path(media.preview_id).exists()
    # then: ledgered, and the row and file of the media are gone only in their bytes
    actions = list(LedgerEntry.objects.filter(index__gt=0).values_list("action", flat=True))
    assert actions.count(LedgerAction.MEDIA_DISPOSED) == 1
    assert actions.count(LedgerAction.BLOB_DISPOSED) == 4  # each blob: its row re-anchored, its disposal record
    assert Blob.objects.get(pk=media.blob_id).disposed_at is not None


def test_verify_accepts_disposed_bytes_but_not_lost_ones(agency, case, zhangsan, blob_dir: Path) -> None:
    # given: one unlinked clip disposed; one case clip whose bytes are then lost without any record
    disposed = _ingest(zhangsan, agency=agency, data=samples.mp4(1))
    kept = _ingest(zhangsan, case=case, data=samples.mp4(2))
    retention.media_dispose_expired(now=_later())
    # when
    clean = verify()
    LocalBlobStore(blob_dir).path(kept.blob_id).unlink()
    broken = verify()
    # then
    assert clean.problems == []
    missing = [p for p in broken.problems if p.kind == ProblemKind.MISSING_BLOB]
    assert [p.subject for p in missing] == [f"blob:{kept.blob_id}"]
    assert f"blob:{disposed.blob_id}" not in {p.subject for p in broken.problems}


def test_case_media_evidence_class_and_held_media_are_spared(agency, case, zhangsan, blob_dir: Path) -> None:
    # given
    in_case = _ingest(zhangsan, case=case, data=samples.mp4(1))
    marked = services.media_set_retention(
        actor=zhangsan, media=_ingest(zhangsan, agency=agency, data=samples.mp4(2)), retention_class="evidence"
    )
    held = _ingest(zhangsan, agency=agency, data=samples.mp4(3))
    services.media_hold_place(actor=zhangsan, media=held, reason="当事人已提起行政复议")
    expired = _ingest(zhangsan, agency=agency, data=samples.mp4(4))
    # when
    run = retention.media_dispose_expired(now=_later())
    # then: only the one ordinary, unheld clip goes
    assert run.disposed == [expired.pk]
    store = LocalBlobStore(blob_dir)
    for media in (in_case, marked, held):
        assert store.path(media.blob_id).exists()
        assert not MediaDisposal.objects.filter(media=media).exists()


def test_nothing_is_disposed_within_the_period(agency, zhangsan) -> None:
    _ingest(zhangsan, agency=agency)
    run = retention.media_dispose_expired(now=timezone.now() + timedelta(days=150))  # under 6 months
    assert run.disposed == [] and not MediaDisposal.objects.exists()


def test_released_hold_lets_retention_run(agency, zhangsan, unit_head) -> None:
    media = _ingest(zhangsan, agency=agency)
    hold = services.media_hold_place(actor=zhangsan, media=media, reason="投诉核查中")
    assert retention.media_dispose_expired(now=_later()).disposed == []
    # when
    released = services.media_hold_release(actor=unit_head, hold=hold, reason="投诉已办结")
    # then
    assert released.released_by_id == unit_head.pk and released.release_reason == "投诉已办结"
    entry = LedgerEntry.objects.order_by("-index").first()
    assert (entry.action, entry.subject) == (LedgerAction.MEDIA_HOLD_RELEASED, f"legal_hold:{hold.pk}")
    assert retention.media_dispose_expired(now=_later()).disposed == [media.pk]


def test_bytes_still_used_by_case_media_are_not_removed(agency, case, zhangsan, lisi, blob_dir: Path) -> None:
    # given: the same clip uploaded as an unlinked dump and as evidence of a case
    dump = _ingest(zhangsan, agency=agency)
    evidence = _ingest(lisi, case=case)
    assert dump.blob_id == evidence.blob_id
    # when
    run = retention.media_dispose_expired(now=_later())
    # then: the dump is disposed as a record, but its bytes stay for the case
    assert run.disposed == [dump.pk]
    assert run.blobs_removed == 0 and not BlobDisposal.objects.exists()
    assert LocalBlobStore(blob_dir).path(evidence.blob_id).read_bytes() == samples.mp4()
    assert verify().problems == []


def test_linking_to_a_case_after_listing_still_spares_it(agency, case, zhangsan) -> None:
    media = _ingest(zhangsan, agency=agency)
    services.media_link_case(actor=zhangsan, media=media, case=case)
    with pytest.raises(DomainError) as excinfo:
        retention.media_dispose(actor=None, media=media, now=_later())
    assert excinfo.value.code == ErrorCode.VALIDATION_ERROR
    assert not MediaDisposal.objects.exists()


def test_disposed_media_content_is_gone_but_its_record_stays(agency, zhangsan, api_client) -> None:
    media = _ingest(zhangsan, agency=agency)
    retention.media_dispose_expired(now=_later())
    client = api_client(zhangsan)
    detail = client.get(f"/api/v1/media/{media.pk}")
    content = client.get(f"/api/v1/media/{media.pk}/content", {"purpose": "case_handling"})
    assert detail.status_code == 200 and detail.json()["disposed"] is True
    assert content.status_code == 410 and content.json()["code"] == "media_disposed"


def test_same_bytes_uploaded_again_are_stored_again(agency, zhangsan, blob_dir: Path) -> None:
    media = _ingest(zhangsan, agency=agency)
    retention.media_dispose_expired(now=_later())
    # when
    again = _ingest(zhangsan, agency=agency)
    # then
    assert again.blob_id == media.blob_id
    assert Blob.objects.get(pk=media.blob_id).disposed_at is None
    assert LocalBlobStore(blob_dir).path(media.blob_id).read_bytes() == samples.mp4()
    assert verify().problems == []


def test_hold_needs_reason_and_agency_staff(agency, zhangsan, outsider) -> None:
    media = _ingest(zhangsan, agency=agency)
    with pytest.raises(DomainError) as no_reason:
        services.media_hold_place(actor=zhangsan, media=media, reason="  ")
    with pytest.raises(DomainError) as foreign:
        services.media_hold_place(actor=outsider, media=media, reason="x")
    assert (no_reason.value.code, foreign.value.code) == (ErrorCode.VALIDATION_ERROR, ErrorCode.PERMISSION_DENIED)


def test_retention_period_is_a_setting(settings) -> None:
    settings.QUANCHENG_MEDIA_RETENTION_MONTHS = 12
    assert retention.retention_months() == 12
    moment = timezone.now().replace(month=8, day=31)
    assert retention.add_months(moment, 6).month == 2 and retention.add_months(moment, 6).day in (28, 29)


def test_media_dispose_command(agency, zhangsan, settings) -> None:
    settings.QUANCHENG_MEDIA_RETENTION_MONTHS = 1
    media = _ingest(zhangsan, agency=agency)
    from quancheng.evidence.models import MediaObject

    MediaObject.objects.filter(pk=media.pk).update(uploaded_at=timezone.now() - timedelta(days=62))  # set-up only
    dry = StringIO()
    call_command("media-dispose", "--dry-run", "--json", stdout=dry)
    assert json.loads(dry.getvalue())["candidates"] == [media.pk]
    out = StringIO()
    call_command("media-dispose", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["disposed"] == [media.pk] and result["blobs_removed"] == 2
