"""On PostgreSQL the ledger head may only grow: a trigger refuses DELETE and any UPDATE with NEW.size <= OLD.size
(migration ledger 0003), so entries deleted from the end cannot be hidden by rewinding the head in SQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from quancheng.ledger.models import LedgerAction, LedgerHead
from quancheng.ledger.services import ledger_append

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the head trigger exists only on PostgreSQL (SQLite relies on verify)"
)


def _append() -> None:
    with transaction.atomic():
        ledger_append(action=LedgerAction.RECORD_UPDATED, actor=None, subject="test:1", digests={"row": "00"})


@pytest.fixture
def head(db) -> LedgerHead:
    _append()
    _append()
    return LedgerHead.objects.get(pk=1)


def _execute(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize("delta", [0, -1], ids=["same-size", "shrink"])
def test_update_that_does_not_grow_the_head_is_refused(head: LedgerHead, delta: int) -> None:
    # when / then
    with pytest.raises(DatabaseError, match="may only grow"):
        _execute("UPDATE ledger_ledgerhead SET size = size + %s, root = %s WHERE id = 1", [delta, b"\0" * 32])
    stored = LedgerHead.objects.get(pk=1)
    assert (stored.size, bytes(stored.root)) == (2, bytes(head.root))


def test_delete_of_the_head_is_refused(head: LedgerHead) -> None:
    with pytest.raises(DatabaseError, match="may only grow"):
        _execute("DELETE FROM ledger_ledgerhead WHERE id = 1", [])
    assert LedgerHead.objects.filter(pk=1).exists()


def test_ledger_append_grows_the_head_through_the_trigger(head: LedgerHead) -> None:
    # when
    _append()
    # then: ledger_append's UPDATE sets size = size + 1, which the trigger allows
    assert LedgerHead.objects.get(pk=1).size == 3
