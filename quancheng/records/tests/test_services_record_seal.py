"""record_seal: drafts may be incomplete, sealing may not; a sealed record is final."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction
from quancheng.records import services
from quancheng.records.models import RecordStatus

from .conftest import sign_inquiry
from .helpers import assert_entry, entries_since


def test_seal_makes_the_record_final_and_appends_a_sealed_entry(
    draft_inquiry, lisi, signature_image, ledger_size
) -> None:
    # given: a complete 询问笔录, signed page by page and by the officer (INV-11, GEN-06)
    record = sign_inquiry(draft_inquiry(), actor=lisi, image=signature_image)
    before = ledger_size()
    # when
    sealed = services.record_seal(actor=lisi, record=record)
    # then
    sealed.refresh_from_db()
    assert sealed.status == RecordStatus.SEALED
    assert sealed.sealed_by == lisi
    assert sealed.sealed_at is not None
    # one entry for the seal, then only the warning findings re-evaluated after it
    entry, *findings = entries_since(before)
    assert_entry(entry, LedgerAction.RECORD_SEALED, sealed, sealed.content)
    assert {e.action for e in findings} <= {LedgerAction.FINDING_RAISED, LedgerAction.FINDING_RESOLVED}


def test_sealing_an_incomplete_record_names_each_missing_field(draft_inquiry, zhangsan, ledger_size) -> None:
    # given: a draft missing required fields, its end time and its place
    record = draft_inquiry(content={"interviewee_name": "陈某"}, activity_ended_at=None, place="")
    before = ledger_size()
    # when
    with pytest.raises(DomainError) as err:
        services.record_seal(actor=zhangsan, record=record)
    # then
    assert err.value.code == ErrorCode.RECORD_CONTENT_INVALID
    errors = err.value.extra["errors"]
    for name in ("officers", "certificates_shown", "identity_verified", "rights_informed", "questions_answers"):
        assert errors[name] == ["此项为必填项"], name
    assert errors["activity_ended_at"] == ["此项为必填项"]  # GEN-10
    assert errors["place"] == ["此项为必填项"]  # GEN-09
    assert "interviewee_name" not in errors
    assert "询问笔录" in err.value.message
    assert ledger_size() == before
    record.refresh_from_db()
    assert record.status == RecordStatus.DRAFT


def test_sealing_twice_is_refused(sealed_inquiry, zhangsan, ledger_size) -> None:
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.record_seal(actor=zhangsan, record=sealed_inquiry)
    assert err.value.code == ErrorCode.RECORD_ALREADY_SEALED
    assert err.value.status == 409
    assert ledger_size() == before


def test_activity_in_the_future_cannot_be_sealed(draft_inquiry, zhangsan, ledger_size) -> None:
    """A sealed record states what has happened (INTEGRITY-03)."""
    start = timezone.now() + timedelta(hours=2)
    record = draft_inquiry(activity_started_at=start, activity_ended_at=start + timedelta(hours=1))
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.record_seal(actor=zhangsan, record=record)
    assert err.value.code == ErrorCode.RECORD_CONTENT_INVALID
    assert set(err.value.extra["errors"]) == {"activity_started_at", "activity_ended_at"}
    assert ledger_size() == before


def test_kind_without_activity_time_seals_without_one(case, zhangsan) -> None:
    record = services.record_draft(
        actor=zhangsan,
        case=case,
        kind="appraisal_opinion",
        content={
            "institution": "示例市食品检验所",
            "subject": "酸奶是否超过保质期",
            "conclusion": "已超过保质期",
            "issued_on": "2026-03-01",
        },
    )
    sealed = services.record_seal(actor=zhangsan, record=record)
    assert sealed.is_sealed


def test_supervisor_may_not_seal(draft_inquiry, supervisor, ledger_size) -> None:
    record = draft_inquiry()
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.record_seal(actor=supervisor, record=record)
    assert err.value.code == ErrorCode.PERMISSION_DENIED
    assert ledger_size() == before
