"""ledger_append_many: a batch under one head lock gives exactly the log that as many ledger_append calls give —
gap-free indices, entry bytes, per-entry roots, stored nodes and head — or nothing at all."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import transaction

from quancheng.ledger import merkle, tree
from quancheng.ledger.models import LedgerEntry, LedgerHead, LedgerNode
from quancheng.ledger.services import entry_bytes, format_time, ledger_append_many
from quancheng.ledger.verify import verify_tree

from .conftest import AppendLog, synthetic_item


def snapshot() -> tuple[list[tuple], list[tuple], tuple]:
    """Everything an append writes: entries, nodes, head."""
    entries = [
        (e.index, e.action, e.actor, e.subject, e.digests, bytes(e.entry), bytes(e.leaf_hash), bytes(e.tree_root))
        for e in LedgerEntry.objects.order_by("index")
    ]
    nodes = [(n.key, n.level, n.index, bytes(n.hash)) for n in LedgerNode.objects.order_by("key")]
    head = LedgerHead.objects.get(pk=1)
    return entries, nodes, (head.size, bytes(head.root), head.frontier)


def test_batch_appends_continue_the_log_without_gaps(append_log: AppendLog) -> None:
    # given: a log written one entry per transaction
    append_log(5)
    # when: 70 more in batches of 32, then single appends again
    batch = append_log(70, batch=32)
    append_log(3)
    # then
    assert [e.index for e in batch] == list(range(5, 75))
    assert list(LedgerEntry.objects.order_by("index").values_list("index", flat=True)) == list(range(78))
    hashes = [bytes(h) for h in LedgerEntry.objects.order_by("index").values_list("leaf_hash", flat=True)]
    head = LedgerHead.objects.get(pk=1)
    assert head.size == 78
    assert bytes(head.root) == merkle.root_from_leaf_hashes(hashes)
    assert LedgerNode.objects.count() == tree.expected_node_count(78)
    report = verify_tree()
    assert report.ok, report.problems


def test_batch_entries_are_the_entries_single_appends_write(append_log: AppendLog) -> None:
    # when
    entries = append_log(9, batch=9)
    # then: same canonical bytes, leaf hashes and per-size roots as ledger_append computes
    hashes = [merkle.leaf_hash(bytes(e.entry)) for e in entries]
    for position, entry in enumerate(LedgerEntry.objects.order_by("index")):
        item = synthetic_item(position)
        assert entry.action == str(item["action"])
        assert entry.actor == "system"
        assert entry.subject == item["subject"]
        assert entry.digests == item["digests"]
        assert bytes(entry.entry) == entry_bytes(
            action=entry.action, actor="system", subject=entry.subject, at=entry.at, digests=entry.digests
        )
        assert bytes(entry.leaf_hash) == hashes[position]
        assert bytes(entry.tree_root) == merkle.root_from_leaf_hashes(hashes[: position + 1])


def test_batch_stores_every_node_its_leaves_complete(append_log: AppendLog) -> None:
    # given: 21 single appends, then 21 in one batch (crossing the 32-leaf boundary)
    append_log(21)
    # when
    append_log(21, batch=21)
    # then: the nodes are exactly the perfect subtrees of the 42 leaves, with their RFC 9162 hashes
    hashes = [bytes(h) for h in LedgerEntry.objects.order_by("index").values_list("leaf_hash", flat=True)]
    stored = {(n.level, n.index): bytes(n.hash) for n in LedgerNode.objects.all()}
    assert stored == {
        (level, index): merkle.root_from_leaf_hashes(hashes[index << level : (index + 1) << level])
        for level in range(1, 6)
        for index in range(42 >> level)
    }


def test_batch_keeps_the_given_times(db) -> None:
    # given
    moment = datetime(2026, 3, 1, 1, 2, 3, 456789, tzinfo=UTC)
    # when
    with transaction.atomic():
        entries = ledger_append_many([{**synthetic_item(0), "at": moment}, synthetic_item(1)])
    # then
    assert entries[0].at == format_time(moment) == "2026-03-01T01:02:03.456789Z"
    assert entries[1].at != entries[0].at


def test_batch_must_run_inside_a_transaction(transactional_db) -> None:
    with pytest.raises(RuntimeError):
        ledger_append_many([synthetic_item(0)])
    assert LedgerEntry.objects.count() == 0


def test_empty_batch_writes_nothing(append_log: AppendLog) -> None:
    # given
    append_log(3)
    before = snapshot()
    # when
    with transaction.atomic():
        result = ledger_append_many([])
    # then
    assert result == []
    assert snapshot() == before


def test_a_failing_item_writes_nothing_of_the_batch(append_log: AppendLog, ledger_size) -> None:
    # given
    append_log(4)
    before = snapshot()
    size = ledger_size()
    bad = {**synthetic_item(99), "digests": {"payload": float("nan")}}  # canonical JSON cannot carry NaN
    # when
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - rfc8785 raises its own error type
        ledger_append_many([synthetic_item(4), synthetic_item(5), bad])
    # then
    assert ledger_size() == size
    assert snapshot() == before


def test_an_entry_too_long_for_an_entry_bundle_is_refused(db) -> None:
    # C2SP tlog-tiles bundles prefix each entry with a uint16 length
    huge = {**synthetic_item(0), "digests": {"payload": "0" * 70000}}
    with pytest.raises(ValueError), transaction.atomic():
        ledger_append_many([huge])
    assert LedgerEntry.objects.count() == 0
