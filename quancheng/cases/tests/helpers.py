"""Shared test helpers for the cases app: valid identifiers and ledger assertions."""

from __future__ import annotations

from quancheng.ledger.models import LedgerAction, Ledgered, LedgerEntry

# The two examples printed in GB 11643-1999, so they are valid independently of our code.
VALID_ID_NUMBER = "11010519491231002X"
VALID_ID_NUMBER_2 = "440524188001010014"
# A widely published example 统一社会信用代码; its check character is worked by hand in
# test_identifiers.py.
VALID_USCC = "91350100M000100Y43"
VALID_USCC_2 = "91330106MA27XK5L0C"


def assert_entry(entry: LedgerEntry, action: LedgerAction, obj: Ledgered) -> None:
    """The entry anchors ``obj``'s current stored state under ``action``."""
    obj.refresh_from_db()
    assert entry.action == action
    assert entry.subject == obj.ledger_subject()
    assert entry.digests["row"] == obj.ledger_digest()


def entries_since(index: int) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(index__gte=index).order_by("index"))
