"""Migration ledger/0004 backfills the interior nodes of the entries written before nodes were stored."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from quancheng.ledger import tree
from quancheng.ledger.models import LedgerNode
from quancheng.ledger.verify import verify_tree

from .conftest import AppendLog

MIGRATION = importlib.import_module("quancheng.ledger.migrations.0004_nodes_and_checkpoints")


def run_backfill() -> None:
    state = MigrationExecutor(connection).loader.project_state(("ledger", "0004_nodes_and_checkpoints"))
    MIGRATION.backfill_nodes(state.apps, SimpleNamespace(connection=connection))


def test_backfill_stores_the_nodes_appends_would_have_stored(append_log: AppendLog) -> None:
    # given: a log whose nodes are not stored (as before 0004)
    append_log(75, batch=25)
    expected = {(n.key, n.level, n.index, bytes(n.hash)) for n in LedgerNode.objects.all()}
    LedgerNode.objects.all().delete()
    assert verify_tree().problems  # the store is incomplete, and verify says so
    # when
    run_backfill()
    # then
    assert {(n.key, n.level, n.index, bytes(n.hash)) for n in LedgerNode.objects.all()} == expected
    assert len(expected) == tree.expected_node_count(75)
    assert tree.prove_inclusion(3).verify()
    assert verify_tree().ok


def test_backfill_of_an_empty_log_stores_nothing(db) -> None:
    run_backfill()
    assert LedgerNode.objects.count() == 0
