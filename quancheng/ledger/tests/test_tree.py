"""Stored nodes (tree.py): appends keep every interior node; roots and RFC 9162 proofs at any size up to the
current one come from stored hashes in one query, and every request outside the tree is a PROOF_OUT_OF_RANGE."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger import merkle, tree
from quancheng.ledger.models import LedgerEntry, LedgerHead, LedgerNode

from .conftest import AppendLog

SIZE = 37  # not a power of two, with a few levels of ragged right edge


def leaf_hashes() -> list[bytes]:
    return [bytes(h) for h in LedgerEntry.objects.order_by("index").values_list("leaf_hash", flat=True)]


def recursive_node(hashes: list[bytes], level: int, index: int) -> bytes:
    return merkle.root_from_leaf_hashes(hashes[index << level : (index + 1) << level])


@pytest.fixture
def log(append_log: AppendLog) -> list[bytes]:
    append_log(SIZE)
    hashes = leaf_hashes()
    assert len(hashes) == SIZE
    return hashes


def test_every_append_stores_the_nodes_it_completes(log: list[bytes]) -> None:
    # then: each complete perfect subtree of level >= 1 is stored once, with its RFC 9162 hash
    stored = {(n.level, n.index): bytes(n.hash) for n in LedgerNode.objects.all()}
    expected = {
        (level, index): recursive_node(log, level, index)
        for level in range(1, SIZE.bit_length())
        for index in range(SIZE >> level)
    }
    assert stored == expected
    assert len(stored) == tree.expected_node_count(SIZE)
    assert all(n.key == tree.node_key(n.level, n.index) for n in LedgerNode.objects.all())


@pytest.mark.parametrize("size", [0, 1, 2, 3, 8, 13, 32, 36, 37])
def test_root_at_any_size_is_the_rfc_root(log: list[bytes], size: int) -> None:
    # when
    root = tree.root_at(size)
    # then
    assert root == merkle.root_from_leaf_hashes(log[:size])
    if size:
        assert root == bytes(LedgerEntry.objects.get(index=size - 1).tree_root)


def test_root_at_current_size_is_the_head_root(log: list[bytes]) -> None:
    assert tree.root_at(SIZE) == bytes(LedgerHead.objects.get(pk=1).root)


@pytest.mark.parametrize("size", [1, 2, 5, 16, 17, 37])
def test_inclusion_proofs_at_the_current_and_earlier_sizes_verify(log: list[bytes], size: int) -> None:
    for index in range(size):
        # when
        proof = tree.prove_inclusion(index, size)
        # then
        assert proof.leaf_hash == log[index]
        assert proof.root == merkle.root_from_leaf_hashes(log[:size])
        assert proof.proof == merkle.inclusion_proof(index, size, lambda lv, ix: recursive_node(log, lv, ix))
        assert merkle.verify_inclusion(log[index], index, size, proof.proof, tree.root_at(size))
        assert proof.verify()
        assert tree.inclusion_proof(index, size) == proof.proof


def test_inclusion_size_defaults_to_the_current_size(log: list[bytes]) -> None:
    proof = tree.prove_inclusion(5)
    assert proof.size == SIZE
    assert proof.root == bytes(LedgerHead.objects.get(pk=1).root)
    assert proof.verify()


def test_consistency_proofs_between_every_pair_of_sizes_verify(log: list[bytes]) -> None:
    for new in (1, 2, 7, 8, 9, 31, 37):
        for old in range(1, new + 1):
            # when
            proof = tree.prove_consistency(old, new)
            # then
            assert proof.old_root == merkle.root_from_leaf_hashes(log[:old])
            assert proof.new_root == merkle.root_from_leaf_hashes(log[:new])
            assert merkle.verify_consistency(old, new, tree.root_at(old), tree.root_at(new), proof.proof), (old, new)
            assert tree.consistency_proof(old, new) == proof.proof


def test_consistency_with_equal_sizes_is_the_empty_proof(log: list[bytes]) -> None:
    proof = tree.prove_consistency(SIZE, SIZE)
    assert proof.proof == []
    assert proof.old_root == proof.new_root == tree.root_at(SIZE)
    assert proof.verify()


def test_consistency_new_defaults_to_the_current_size(log: list[bytes]) -> None:
    proof = tree.prove_consistency(10)
    assert proof.new == SIZE
    assert proof.verify()


@pytest.mark.parametrize(
    "call",
    [
        lambda: tree.prove_inclusion(0, 12),
        lambda: tree.prove_inclusion(11, 12),
        lambda: tree.prove_consistency(3, 12),
        lambda: tree.prove_consistency(12, 12),
        lambda: tree.root_at(12),
    ],
    ids=["inclusion first", "inclusion last", "consistency", "consistency equal", "root"],
)
def test_a_proof_reads_its_nodes_in_one_query(append_log: AppendLog, call) -> None:
    # given
    append_log(12)
    # when
    with CaptureQueriesContext(connection) as queries:
        result = call()
    # then
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert result


def test_subtree_hash_reads_leaves_and_nodes(log: list[bytes]) -> None:
    assert tree.subtree_hash(0, 36) == log[36]
    assert tree.subtree_hash(3, 3) == recursive_node(log, 3, 3)
    assert tree.subtree_hash(5, 0) == recursive_node(log, 5, 0)


@pytest.mark.parametrize(("level", "index"), [(0, 37), (1, 18), (3, 4), (6, 0), (-1, 0), (0, -1), (64, 0)], ids=str)
def test_subtree_beyond_the_tree_is_out_of_range(log: list[bytes], level: int, index: int) -> None:
    with pytest.raises(DomainError) as raised:
        tree.subtree_hash(level, index)
    assert raised.value.code == ErrorCode.PROOF_OUT_OF_RANGE


@pytest.mark.parametrize(
    "call",
    [
        lambda: tree.prove_inclusion(37, 37),  # index = size
        lambda: tree.prove_inclusion(40, 37),  # index > size
        lambda: tree.prove_inclusion(0, 38),  # size beyond the log
        lambda: tree.prove_inclusion(37, 38),  # a leaf not yet appended
        lambda: tree.prove_inclusion(0, 0),  # size 0
        lambda: tree.prove_inclusion(-1, 5),
        lambda: tree.prove_inclusion(0, -5),
        lambda: tree.prove_inclusion(0, 2**62),
        lambda: tree.prove_consistency(0, 5),  # old = 0
        lambda: tree.prove_consistency(0, 0),
        lambda: tree.prove_consistency(6, 5),  # old > new
        lambda: tree.prove_consistency(5, 38),  # new beyond the log
        lambda: tree.prove_consistency(38, 38),
        lambda: tree.prove_consistency(-1, 5),
        lambda: tree.root_at(38),
        lambda: tree.root_at(-1),
    ],
    ids=[
        "index=size",
        "index>size",
        "size>log",
        "leaf not appended",
        "size 0",
        "negative index",
        "negative size",
        "huge size",
        "old 0",
        "old 0 new 0",
        "old>new",
        "new>log",
        "equal beyond log",
        "negative old",
        "root beyond log",
        "negative root",
    ],
)
def test_requests_outside_the_tree_are_proof_out_of_range(log: list[bytes], call) -> None:
    with pytest.raises(DomainError) as raised:
        call()
    assert raised.value.code == ErrorCode.PROOF_OUT_OF_RANGE
    assert raised.value.status == 422
    assert raised.value.message


def test_empty_log_has_the_empty_root_and_no_proofs(db) -> None:
    assert tree.tree_size() == 0
    assert tree.root_at(0) == merkle.EMPTY_ROOT
    with pytest.raises(DomainError) as raised:
        tree.prove_inclusion(0)
    assert raised.value.code == ErrorCode.PROOF_OUT_OF_RANGE
    with pytest.raises(DomainError):
        tree.prove_consistency(1)


def test_a_missing_node_is_not_mistaken_for_a_request_error(log: list[bytes]) -> None:
    # given: a node the tree must have is gone from the store
    LedgerNode.objects.filter(key=tree.node_key(2, 1)).delete()
    # when / then
    with pytest.raises(tree.LedgerNodeMissing):
        tree.prove_inclusion(0, SIZE)  # its path holds node (2, 1): leaves 4..7
    assert tree.prove_inclusion(20, SIZE).verify()  # proofs that do not need it still work
