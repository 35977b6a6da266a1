"""State and its ledger entry commit or roll back together (issue 2: a fault between them leaves neither)."""

from __future__ import annotations

import pytest
from django.db import transaction

from quancheng.accounts import services as accounts
from quancheng.accounts.models import Agency
from quancheng.ledger import merkle
from quancheng.ledger.models import LedgerEntry, LedgerHead
from quancheng.ledger.verify import verify


class InjectedFault(Exception):
    pass


def _head_size() -> int:
    head = LedgerHead.objects.filter(pk=1).first()
    return head.size if head is not None else 0


@pytest.fixture
def existing_agency(transactional_db) -> Agency:
    # Real commits (transactional_db), so a rollback here is the database's, not the test wrapper's.
    return accounts.agency_create(actor=None, name="示例市司法局", case_number_prefix="示市司")


def test_fault_after_ledger_append_rolls_back_row_and_entry(existing_agency: Agency) -> None:
    # given
    entries_before, head_before = LedgerEntry.objects.count(), _head_size()
    # when: the service (row + entry) succeeds, then its enclosing transaction fails
    with pytest.raises(InjectedFault), transaction.atomic():
        accounts.agency_create(actor=None, name="示例市市场监督管理局", case_number_prefix="示市监立")
        raise InjectedFault
    # then: neither the agency nor its entry survives, and the head did not move
    assert not Agency.objects.filter(name="示例市市场监督管理局").exists()
    assert LedgerEntry.objects.count() == entries_before
    assert _head_size() == head_before
    assert verify().ok


def test_fault_inside_ledger_append_leaves_neither_row_nor_entry(
    existing_agency: Agency, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: computing the new root fails, after the row was inserted and before the entry is
    entries_before, head_before = LedgerEntry.objects.count(), _head_size()

    def broken_root(frontier: merkle.Frontier) -> bytes:
        raise InjectedFault

    monkeypatch.setattr(merkle, "frontier_root", broken_root)
    # when
    with pytest.raises(InjectedFault):
        accounts.agency_create(actor=None, name="示例市市场监督管理局", case_number_prefix="示市监立")
    monkeypatch.undo()
    # then
    assert not Agency.objects.filter(name="示例市市场监督管理局").exists()
    assert LedgerEntry.objects.count() == entries_before
    assert _head_size() == head_before
    assert verify().ok


def test_committed_service_write_keeps_row_and_entry_together(existing_agency: Agency) -> None:
    # given / when
    agency = accounts.agency_create(actor=None, name="示例市市场监督管理局", case_number_prefix="示市监立")
    # then: the row and its entry are both there, the entry anchoring the row's digest
    latest = LedgerEntry.objects.order_by("-index").first()
    assert latest is not None
    assert latest.subject == agency.ledger_subject()
    assert latest.digests["row"] == Agency.objects.get(pk=agency.pk).ledger_digest()
    assert _head_size() == latest.index + 1
