"""record_update_draft: a draft may change; a sealed record may not (it is corrected instead)."""

from __future__ import annotations

import pytest

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction
from quancheng.records import services
from quancheng.records.models import Record

from .conftest import inquiry_content
from .helpers import assert_entry, entries_since


def test_update_replaces_the_content_and_appends_an_updated_entry(draft_inquiry, lisi, party, ledger_size) -> None:
    # given
    record = draft_inquiry()
    before = ledger_size()
    content = inquiry_content(party.pk) | {"interviewee_confirmation": "以上笔录我看过,与我说的相符。"}
    # when: another handler of the case (辅助人员) helps fill it in
    updated = services.record_update_draft(actor=lisi, record=record, content=content, page_count=4)
    # then
    updated.refresh_from_db()
    assert updated.content == content
    assert updated.page_count == 4
    assert updated.updated_at > updated.created_at
    [entry] = entries_since(before)
    assert entry.actor == f"user:{lisi.pk}"
    assert_entry(entry, LedgerAction.RECORD_UPDATED, updated, content)


def test_none_clears_an_activity_time_and_unset_keeps_it(draft_inquiry, zhangsan) -> None:
    record = draft_inquiry()
    started = record.activity_started_at
    updated = services.record_update_draft(actor=zhangsan, record=record, activity_ended_at=None)
    updated.refresh_from_db()
    assert updated.activity_ended_at is None
    assert updated.activity_started_at == started


def test_an_update_that_changes_nothing_writes_nothing(draft_inquiry, zhangsan, ledger_size) -> None:
    record = draft_inquiry()
    before = ledger_size()
    services.record_update_draft(actor=zhangsan, record=record, place=record.place, content=dict(record.content))
    assert ledger_size() == before


def test_editing_a_sealed_record_is_refused_and_nothing_written(sealed_inquiry, zhangsan, ledger_size) -> None:
    before = ledger_size()
    stored = Record.objects.get(pk=sealed_inquiry.pk)
    with pytest.raises(DomainError) as err:
        services.record_update_draft(actor=zhangsan, record=sealed_inquiry, content={})
    assert err.value.code == ErrorCode.RECORD_SEALED
    assert err.value.status == 409
    assert ledger_size() == before
    assert Record.objects.get(pk=sealed_inquiry.pk).ledger_digest() == stored.ledger_digest()


def test_a_stale_object_cannot_bypass_the_seal(draft_inquiry, sign_and_seal, zhangsan, ledger_size) -> None:
    """The service re-reads the locked row: an in-memory copy still saying 'draft' changes nothing."""
    record = draft_inquiry()
    stale = Record.objects.get(pk=record.pk)
    sign_and_seal(record)
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.record_update_draft(actor=zhangsan, record=stale, place="别处")
    assert err.value.code == ErrorCode.RECORD_SEALED
    assert ledger_size() == before


def test_wrong_types_in_an_update_are_refused(draft_inquiry, zhangsan, ledger_size) -> None:
    record = draft_inquiry()
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.record_update_draft(actor=zhangsan, record=record, content={"rights_informed": "是"}, page_count=0)
    assert err.value.code == ErrorCode.RECORD_CONTENT_INVALID
    assert set(err.value.extra["errors"]) == {"rights_informed", "page_count"}
    assert ledger_size() == before
    record.refresh_from_db()
    assert record.page_count == 3


def test_supervisor_may_not_edit(draft_inquiry, supervisor, ledger_size) -> None:
    record = draft_inquiry()
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.record_update_draft(actor=supervisor, record=record, place="别处")
    assert err.value.code == ErrorCode.PERMISSION_DENIED
    assert ledger_size() == before
