"""record_correct (INTEGRITY-05): a new version supersedes a sealed record; the original stays unchanged."""

from __future__ import annotations

import pytest

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction
from quancheng.records import selectors, services
from quancheng.records.models import Record, RecordStatus
from quancheng.records.services import content_sha256

from .conftest import sign_inquiry
from .helpers import assert_entry, entries_since

FINDING_ACTIONS = {LedgerAction.FINDING_RAISED, LedgerAction.FINDING_RESOLVED}
REASON = "被询问人指出第2页“进货”应为“代销”"


def _corrected_content(record: Record) -> dict:
    content = dict(record.content)
    content["questions_answers"] = [
        *content["questions_answers"][:1],
        {"question": "店内货架上的过期酸奶是谁进的货?", "answer": "不是我进的货,是代销的。"},
    ]
    return content


def test_correction_supersedes_and_the_original_stays_readable_and_unchanged(
    sealed_inquiry, lisi, signature_image, ledger_size
) -> None:
    # given
    original = Record.objects.get(pk=sealed_inquiry.pk)
    original_digest = original.ledger_digest()
    before = ledger_size()
    content = _corrected_content(original)
    # when: the correction of a 笔录 is drafted, signed again page by page (INV-11, GEN-06), then sealed
    correction = services.record_correct(actor=lisi, record=sealed_inquiry, content=content, reason=REASON, seal=False)
    sign_inquiry(correction, actor=lisi, image=signature_image)
    correction = services.record_seal(actor=lisi, record=correction)
    # then: a new sealed version naming the original, the reason, the corrector and the time
    correction.refresh_from_db()
    assert correction.pk != original.pk
    assert correction.supersedes_id == original.pk
    assert correction.correction_reason == REASON
    assert correction.author == lisi
    assert correction.created_at >= original.sealed_at
    assert correction.version == 2
    assert correction.status == RecordStatus.SEALED and correction.sealed_by == lisi
    assert correction.content == content
    # the columns not given are carried over
    assert (correction.place, correction.page_count, correction.participants) == (
        original.place,
        original.page_count,
        original.participants,
    )
    assert correction.activity_started_at == original.activity_started_at
    # the original row is byte-for-byte what it was, and still readable
    reread = Record.objects.get(pk=original.pk)
    assert reread.ledger_digest() == original_digest
    assert reread.content == original.content
    # the correction (new row, its content, the version it supersedes), its signatures, then its sealing
    # (the warning findings re-evaluated after the writes are left aside)
    corrected, *signed, sealed = [e for e in entries_since(before) if e.action not in FINDING_ACTIONS]
    assert [e.action for e in signed] == [LedgerAction.RECORD_SIGNED] * (correction.page_count + 1)
    # (the draft row it anchored has since been sealed, so its content and subject are checked, not the row)
    assert (corrected.action, corrected.subject) == (LedgerAction.RECORD_CORRECTED, correction.ledger_subject())
    assert corrected.digests["content"] == content_sha256(content, salt=correction.ledger_salt)
    assert corrected.digests["supersedes"] == original_digest
    assert_entry(sealed, LedgerAction.RECORD_SEALED, correction, content)


def test_correction_as_draft_can_be_edited_then_sealed(sealed_inquiry, zhangsan, signature_image) -> None:
    correction = services.record_correct(
        actor=zhangsan, record=sealed_inquiry, content={"interviewee_name": "陈某"}, reason=REASON, seal=False
    )
    assert correction.status == RecordStatus.DRAFT
    services.record_update_draft(actor=zhangsan, record=correction, content=_corrected_content(sealed_inquiry))
    sign_inquiry(correction, actor=zhangsan, image=signature_image)  # signed on the final wording (INV-11)
    sealed = services.record_seal(actor=zhangsan, record=correction)
    assert sealed.is_sealed and sealed.supersedes_id == sealed_inquiry.pk


def test_a_sealed_correction_must_be_complete(sealed_inquiry, zhangsan, ledger_size) -> None:
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.record_correct(
            actor=zhangsan, record=sealed_inquiry, content={"interviewee_name": "陈某"}, reason=REASON
        )
    assert err.value.code == ErrorCode.RECORD_CONTENT_INVALID
    assert ledger_size() == before
    assert not Record.objects.filter(supersedes=sealed_inquiry).exists()


def test_a_superseded_version_cannot_be_corrected_again(sealed_inquiry, zhangsan, correct_inquiry, ledger_size) -> None:
    """One correction per version: correct the latest, so the chain never forks."""
    content = _corrected_content(sealed_inquiry)
    latest = correct_inquiry(sealed_inquiry, content, REASON)
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.record_correct(actor=zhangsan, record=sealed_inquiry, content=content, reason="再改一次")
    assert err.value.code == ErrorCode.RECORD_SUPERSEDED
    assert err.value.status == 409
    assert ledger_size() == before
    # correcting the latest version works and extends the chain
    third = correct_inquiry(latest, content, "补充签名页")
    assert third.version == 3
    assert [r.pk for r in selectors.record_chain(sealed_inquiry)] == [sealed_inquiry.pk, latest.pk, third.pk]


def test_a_draft_is_edited_not_corrected(draft_inquiry, zhangsan, ledger_size) -> None:
    record = draft_inquiry()
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.record_correct(actor=zhangsan, record=record, content=dict(record.content), reason=REASON)
    assert err.value.code == ErrorCode.RECORD_NOT_SEALED
    assert ledger_size() == before


@pytest.mark.parametrize("reason", ["", "   ", "因" * 513])
def test_a_correction_needs_a_reason(sealed_inquiry, zhangsan, ledger_size, reason) -> None:
    """INTEGRITY-05: 更正原因."""
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.record_correct(
            actor=zhangsan, record=sealed_inquiry, content=_corrected_content(sealed_inquiry), reason=reason
        )
    assert err.value.code == ErrorCode.VALIDATION_ERROR
    assert ledger_size() == before


def test_supervisor_may_not_correct(sealed_inquiry, supervisor, ledger_size) -> None:
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.record_correct(
            actor=supervisor, record=sealed_inquiry, content=_corrected_content(sealed_inquiry), reason=REASON
        )
    assert err.value.code == ErrorCode.PERMISSION_DENIED
    assert ledger_size() == before
