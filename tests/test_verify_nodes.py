"""``quancheng verify`` compares every stored Merkle node (read by proofs and tiles) with the tree it recomputes
from the entries: a changed, missing or foreign node is a ``node_mismatch`` naming the node."""

from __future__ import annotations

import json

from quancheng.ledger import tree
from quancheng.ledger.models import LedgerEntry, LedgerNode
from quancheng.ledger.verify import ProblemKind, verify_tree

from .conftest import RunCommand, World, execute_sql


def _some_node() -> LedgerNode:
    node = LedgerNode.objects.order_by("-level", "index").first()
    assert node is not None and node.level >= 2
    return node


def test_intact_nodes_pass(world: World, run_verify: RunCommand) -> None:
    # given: the world's ledger, every node written by the appends
    assert LedgerNode.objects.count() == tree.expected_node_count(LedgerEntry.objects.count())
    # when
    status, output = run_verify()
    # then
    assert status == 0, output


def test_changed_node_hash_is_a_node_mismatch(world: World, run_verify: RunCommand) -> None:
    # given: one bit of a stored interior node flipped (proofs and tiles would now serve a wrong hash)
    node = _some_node()
    changed = bytes([node.hash[0] ^ 0x01]) + bytes(node.hash)[1:]
    execute_sql("UPDATE ledger_ledgernode SET hash = %s WHERE key = %s", [changed, node.key])
    # when
    status, output = run_verify()
    # then
    assert status == 1, output
    assert "[node_mismatch]" in output
    assert f"node:{node.level}/{node.index}" in output


def test_deleted_node_is_a_node_mismatch(world: World, run_verify: RunCommand) -> None:
    node = _some_node()
    execute_sql("DELETE FROM ledger_ledgernode WHERE key = %s", [node.key])
    status, output = run_verify("--json")
    assert status == 1, output
    problems = json.loads(output)["problems"]
    assert [(p["kind"], p["subject"]) for p in problems] == [("node_mismatch", f"node:{node.level}/{node.index}")]


def test_node_beyond_the_tree_is_a_node_mismatch(world: World) -> None:
    # given: a node for leaves the log does not have
    size = LedgerEntry.objects.count()
    LedgerNode.objects.create(key=tree.node_key(1, size), level=1, index=size, hash=b"\x00" * 32)
    # when
    report = verify_tree()
    # then
    assert [(p.kind, p.subject) for p in report.problems] == [(ProblemKind.NODE_MISMATCH, f"node:1/{size}")]


def test_node_row_moved_to_another_position_is_a_node_mismatch(world: World) -> None:
    # given: the level/index columns of a node edited so that a reader of the columns would misplace it
    node = _some_node()
    execute_sql('UPDATE ledger_ledgernode SET "index" = %s WHERE key = %s', [node.index + 1, node.key])
    # when
    report = verify_tree()
    # then
    assert [p.kind for p in report.problems] == [ProblemKind.NODE_MISMATCH]
    assert report.problems[0].subject == f"node:{node.level}/{node.index}"
