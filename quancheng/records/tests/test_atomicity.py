"""State and ledger entry commit or roll back together: a fault between the row write and the ledger append
leaves neither (design.md § The write path)."""

from __future__ import annotations

from typing import Any

import pytest

from quancheng.records import services
from quancheng.records.models import Record, RecordStatus, Signature
from quancheng.records.tests.conftest import sign_inquiry
from quancheng.records.tests.helpers import interviewee_signs


class Boom(RuntimeError):
    pass


def _raise(**kwargs: Any) -> None:
    """Stands in for ``ledger_append``: proves the service's row is already written, then fails."""
    kind, pk = kwargs["subject"].split(":")
    model = {"record": Record, "signature": Signature}[kind]
    assert model.objects.filter(pk=pk).exists()
    raise Boom("ledger unavailable")


@pytest.fixture
def failing_ledger(monkeypatch) -> None:
    """Make the ledger append inside the records services fail, after the service has written its row."""
    monkeypatch.setattr(services, "ledger_append", _raise)


def test_draft_leaves_no_row_when_the_ledger_append_fails(case, zhangsan, ledger_size, failing_ledger) -> None:
    before, rows_before = ledger_size(), Record.objects.count()
    with pytest.raises(Boom):
        services.record_draft(actor=zhangsan, case=case, kind="general_activity_record", content={})
    assert ledger_size() == before
    assert Record.objects.count() == rows_before


def test_seal_stays_a_draft_when_the_ledger_append_fails(
    draft_inquiry, zhangsan, signature_image, ledger_size, monkeypatch
) -> None:
    record = sign_inquiry(draft_inquiry(), actor=zhangsan, image=signature_image)  # ready to seal (INV-11, GEN-06)
    before = ledger_size()
    monkeypatch.setattr(services, "ledger_append", _raise)  # after the draft exists
    with pytest.raises(Boom):
        services.record_seal(actor=zhangsan, record=record)
    assert ledger_size() == before
    record.refresh_from_db()
    assert record.status == RecordStatus.DRAFT and record.sealed_at is None


def test_update_is_undone_when_the_ledger_append_fails(draft_inquiry, zhangsan, ledger_size, monkeypatch) -> None:
    record = draft_inquiry()
    before = ledger_size()
    monkeypatch.setattr(services, "ledger_append", _raise)  # after the draft exists
    with pytest.raises(Boom):
        services.record_update_draft(actor=zhangsan, record=record, place="别处")
    assert ledger_size() == before
    record.refresh_from_db()
    assert record.place != "别处"


def test_correction_leaves_no_row_when_the_ledger_append_fails(
    sealed_inquiry, zhangsan, ledger_size, monkeypatch
) -> None:
    before, rows_before = ledger_size(), Record.objects.count()
    monkeypatch.setattr(services, "ledger_append", _raise)
    with pytest.raises(Boom):
        services.record_correct(
            actor=zhangsan, record=sealed_inquiry, content=dict(sealed_inquiry.content), reason="更正", seal=False
        )
    assert ledger_size() == before
    assert Record.objects.count() == rows_before


def test_signature_leaves_no_row_when_the_ledger_append_fails(
    draft_inquiry, zhangsan, signature_image, ledger_size, monkeypatch
) -> None:
    record = draft_inquiry()
    before, rows_before = ledger_size(), Signature.objects.count()
    monkeypatch.setattr(services, "ledger_append", _raise)
    with pytest.raises(Boom):
        interviewee_signs(record, actor=zhangsan, image=signature_image, page=1)
    assert ledger_size() == before
    assert Signature.objects.count() == rows_before
