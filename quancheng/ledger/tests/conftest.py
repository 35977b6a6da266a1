"""Fixtures of the ledger's own tests: a log of synthetic entries (system actor, no row anchored)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from django.db import transaction

from quancheng.ledger.models import LedgerAction, LedgerEntry
from quancheng.ledger.services import AppendedEntry, LedgerItem, ledger_append, ledger_append_many

# Subjects of a kind no model has: verify checks these entries as entries only.
SYNTHETIC_KIND = "synthetic"


def synthetic_item(number: int) -> LedgerItem:
    return {
        "action": LedgerAction.DEVICE_REGISTERED,
        "actor": None,
        "subject": f"{SYNTHETIC_KIND}:{number}",
        "digests": {"payload": hashlib.sha256(str(number).encode()).hexdigest()},
    }


AppendLog = Callable[..., list[LedgerEntry | AppendedEntry]]


@pytest.fixture
def append_log(db) -> AppendLog:
    """``append_log(count, batch=None)`` appends ``count`` synthetic entries: one transaction each (ledger_append),
    or ``batch`` per transaction (ledger_append_many). Returns the new entries."""

    def append(count: int, batch: int | None = None) -> list[LedgerEntry | AppendedEntry]:
        start = LedgerEntry.objects.count()
        numbers = list(range(start, start + count))
        entries: list[LedgerEntry | AppendedEntry] = []
        if batch is None:
            for number in numbers:
                with transaction.atomic():
                    entries.append(ledger_append(**synthetic_item(number)))
            return entries
        for first in range(0, count, batch):
            with transaction.atomic():
                entries.extend(ledger_append_many([synthetic_item(n) for n in numbers[first : first + batch]]))
        return entries

    return append
