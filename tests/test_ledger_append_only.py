"""Ledger entries refuse update and delete: through the ORM everywhere, and on PostgreSQL in the database."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from quancheng.ledger.models import LedgerAction, LedgerEntry
from quancheng.ledger.services import ledger_append


@pytest.fixture
def entry(db) -> LedgerEntry:
    with transaction.atomic():
        return ledger_append(action=LedgerAction.RECORD_UPDATED, actor=None, subject="test:1", digests={"row": "00"})


def _unchanged(entry: LedgerEntry) -> bool:
    stored = LedgerEntry.objects.get(pk=entry.pk)
    return stored.actor == entry.actor and bytes(stored.entry) == bytes(entry.entry)


def test_save_of_existing_entry_is_refused(entry: LedgerEntry) -> None:
    # given
    entry.actor = "user:999"
    # when / then
    with pytest.raises(PermissionError):
        entry.save()
    assert LedgerEntry.objects.get(pk=entry.pk).actor == "system"


def test_delete_of_entry_is_refused(entry: LedgerEntry) -> None:
    with pytest.raises(PermissionError):
        entry.delete()
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_queryset_update_is_refused(entry: LedgerEntry) -> None:
    with pytest.raises(PermissionError):
        LedgerEntry.objects.filter(pk=entry.pk).update(actor="user:999")
    assert LedgerEntry.objects.get(pk=entry.pk).actor == "system"


def test_queryset_delete_is_refused(entry: LedgerEntry) -> None:
    with pytest.raises(PermissionError):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_bulk_update_is_refused(entry: LedgerEntry) -> None:
    entry.actor = "user:999"
    # bulk_update wraps its UPDATE in an atomic block of its own; contain the refusal in a savepoint.
    with pytest.raises(PermissionError), transaction.atomic():
        LedgerEntry.objects.bulk_update([entry], ["actor"])
    assert LedgerEntry.objects.get(pk=entry.pk).actor == "system"


@pytest.mark.parametrize(
    "sql",
    [
        'UPDATE ledger_ledgerentry SET actor = %s WHERE "index" = %s',
        'DELETE FROM ledger_ledgerentry WHERE "index" = %s',
    ],
    ids=["update", "delete"],
)
def test_raw_sql_change_is_refused_by_postgresql_trigger(entry: LedgerEntry, sql: str) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists only on PostgreSQL; SQLite relies on the ORM guard and verify")
    # given
    params = ["user:999", entry.pk] if sql.startswith("UPDATE") else [entry.pk]
    # when / then
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()
    assert LedgerEntry.objects.get(pk=entry.pk).actor == "system"


def test_base_manager_update_is_refused(entry: LedgerEntry) -> None:
    # Django internals reach rows through _base_manager; it is the refusing manager too (Meta.base_manager_name)
    with pytest.raises(PermissionError):
        LedgerEntry._base_manager.filter(pk=entry.pk).update(actor="user:999")
    assert _unchanged(entry)


def test_base_manager_delete_is_refused(entry: LedgerEntry) -> None:
    with pytest.raises(PermissionError):
        LedgerEntry._base_manager.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_collector_fast_delete_path_is_refused(entry: LedgerEntry) -> None:
    # QuerySet._raw_delete is what Django's deletion collector calls instead of delete()
    with pytest.raises(PermissionError):
        LedgerEntry._base_manager.filter(pk=entry.pk)._raw_delete(connection.alias)
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def _forged_copy(entry: LedgerEntry, index: int) -> LedgerEntry:
    return LedgerEntry(
        index=index,
        action=entry.action,
        actor="user:999",
        subject=entry.subject,
        at=entry.at,
        digests=entry.digests,
        entry=b"forged",
        leaf_hash=bytes(entry.leaf_hash),
        tree_root=bytes(entry.tree_root),
    )


@pytest.mark.parametrize(
    ("manager", "options"),
    [
        ("objects", {"update_conflicts": True, "unique_fields": ["index"], "update_fields": ["actor", "entry"]}),
        ("_base_manager", {"update_conflicts": True, "unique_fields": ["index"], "update_fields": ["actor", "entry"]}),
        ("objects", {"ignore_conflicts": True}),
    ],
    ids=["update-conflicts", "base-manager-update-conflicts", "ignore-conflicts"],
)
def test_bulk_create_over_an_existing_entry_is_refused(entry: LedgerEntry, manager: str, options: dict) -> None:
    # given: a forged entry with the same index (update_conflicts overwrote the original on SQLite)
    forged = _forged_copy(entry, entry.index)
    # when / then
    with pytest.raises(PermissionError), transaction.atomic():
        getattr(LedgerEntry, manager).bulk_create([forged], **options)
    assert _unchanged(entry)


def test_bulk_create_of_new_entries_is_refused(entry: LedgerEntry) -> None:
    # Even new entries: written in bulk they bypass the head, so the tree would not grow with them.
    with pytest.raises(PermissionError), transaction.atomic():
        LedgerEntry.objects.bulk_create([_forged_copy(entry, entry.index + 1)])
    assert LedgerEntry.objects.count() == 1
