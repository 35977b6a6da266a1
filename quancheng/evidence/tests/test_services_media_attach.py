"""media_attach: link evidence to the text record it documents, once (EVID-02)."""

from __future__ import annotations

import pytest

from quancheng.cases.models import Case, Stage
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.evidence import services
from quancheng.evidence.storage import get_blob_store, stage_chunks
from quancheng.ledger.models import LedgerAction, LedgerEntry

from . import samples


@pytest.fixture
def media(case, zhangsan):
    staged = stage_chunks(get_blob_store(), [samples.wav()])
    return services.media_ingest(actor=zhangsan, case=case, stored=staged, kind="audio", content_type="audio/wav")


def test_attach_links_record_and_records_it(media, record, lisi) -> None:
    # when
    attached = services.media_attach(actor=lisi, media=media, record=record)
    # then
    attached.refresh_from_db()
    assert attached.record_id == record.pk
    entry = LedgerEntry.objects.order_by("-index").first()
    assert (entry.action, entry.subject, entry.actor) == (
        LedgerAction.MEDIA_ATTACHED,
        f"media:{media.pk}",
        f"user:{lisi.pk}",
    )
    assert entry.digests == {"row": attached.ledger_digest(), "blob": media.blob_id}


def test_attaching_again_to_the_same_record_changes_nothing(media, record, zhangsan, ledger_size) -> None:
    services.media_attach(actor=zhangsan, media=media, record=record)
    before = ledger_size()
    services.media_attach(actor=zhangsan, media=media, record=record)
    assert ledger_size() == before


def test_attached_media_cannot_move_to_another_record(media, record, case, zhangsan, make_record, ledger_size):
    services.media_attach(actor=zhangsan, media=media, record=record)
    other = make_record(case, zhangsan)
    before = ledger_size()
    with pytest.raises(DomainError) as excinfo:
        services.media_attach(actor=zhangsan, media=media, record=other)
    assert excinfo.value.code == ErrorCode.DUPLICATE
    media.refresh_from_db()
    assert media.record_id == record.pk
    assert ledger_size() == before


def test_record_of_another_case_is_refused(media, other_case, outsider, zhangsan, make_record, ledger_size):
    foreign = make_record(other_case, outsider)
    before = ledger_size()
    with pytest.raises(DomainError) as excinfo:
        services.media_attach(actor=zhangsan, media=media, record=foreign)
    assert excinfo.value.code == ErrorCode.VALIDATION_ERROR
    assert ledger_size() == before


def test_supervisor_may_not_attach(media, record, supervisor, ledger_size) -> None:
    before = ledger_size()
    with pytest.raises(DomainError) as excinfo:
        services.media_attach(actor=supervisor, media=media, record=record)
    assert excinfo.value.code == ErrorCode.PERMISSION_DENIED
    assert ledger_size() == before


def test_archived_case_refuses_attach(media, record, case, zhangsan, ledger_size) -> None:
    Case.objects.filter(pk=case.pk).update(stage=Stage.ARCHIVE)  # set-up: archiving is the cases app's workflow
    before = ledger_size()
    with pytest.raises(DomainError) as excinfo:
        services.media_attach(actor=zhangsan, media=media, record=record)
    assert excinfo.value.code == ErrorCode.CASE_CLOSED
    assert ledger_size() == before
