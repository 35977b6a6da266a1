"""Properties of RFC 9162 proofs over random trees: every generated proof verifies against the recursive MTH, and
flipping any byte of any proof hash (or of a root) makes it fail."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quancheng.ledger import merkle


def accessor(hashes: list[bytes]) -> merkle.NodeGetter:
    """Perfect subtrees computed by the RFC's recursive definition, independently of the frontier code."""

    def node(level: int, index: int) -> bytes:
        start, end = index << level, (index + 1) << level
        assert end <= len(hashes), "a proof asked for a subtree beyond the tree"
        return merkle.root_from_leaf_hashes(hashes[start:end])

    return node


def leaves_of(size: int, seed: int) -> list[bytes]:
    return [merkle.leaf_hash(f"{seed}:{i}".encode()) for i in range(size)]


def flip(value: bytes, position: int, bit: int) -> bytes:
    position %= len(value)
    return value[:position] + bytes([value[position] ^ (1 << bit)]) + value[position + 1 :]


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[list[bytes], int]:
    size = draw(st.integers(min_value=1, max_value=300))
    return leaves_of(size, draw(st.integers(0, 1000))), draw(st.integers(0, size - 1))


@st.composite
def tree_and_old(draw: st.DrawFn) -> tuple[list[bytes], int]:
    size = draw(st.integers(min_value=1, max_value=300))
    return leaves_of(size, draw(st.integers(0, 1000))), draw(st.integers(1, size))


@settings(max_examples=300, deadline=None)
@given(tree_and_index())
def test_every_inclusion_proof_verifies(case: tuple[list[bytes], int]) -> None:
    # given
    hashes, index = case
    size = len(hashes)
    root = merkle.root_from_leaf_hashes(hashes)
    # when
    proof = merkle.inclusion_proof(index, size, accessor(hashes))
    # then
    assert merkle.verify_inclusion(hashes[index], index, size, proof, root)
    assert len(proof) <= size.bit_length()


@settings(max_examples=300, deadline=None)
@given(tree_and_index(), st.integers(0, 1000), st.integers(0, 31), st.integers(0, 7))
def test_flipped_byte_in_an_inclusion_proof_fails(
    case: tuple[list[bytes], int], which: int, position: int, bit: int
) -> None:
    # given
    hashes, index = case
    size = len(hashes)
    root = merkle.root_from_leaf_hashes(hashes)
    proof = merkle.inclusion_proof(index, size, accessor(hashes))
    assume(proof)
    # when: one bit of one proof hash changes
    which %= len(proof)
    tampered = [*proof[:which], flip(proof[which], position, bit), *proof[which + 1 :]]
    # then
    assert not merkle.verify_inclusion(hashes[index], index, size, tampered, root)
    assert not merkle.verify_inclusion(hashes[index], index, size, proof, flip(root, position, bit))
    assert not merkle.verify_inclusion(flip(hashes[index], position, bit), index, size, proof, root)


@settings(max_examples=300, deadline=None)
@given(tree_and_old())
def test_every_consistency_proof_verifies(case: tuple[list[bytes], int]) -> None:
    # given
    hashes, old = case
    new = len(hashes)
    old_root = merkle.root_from_leaf_hashes(hashes[:old])
    new_root = merkle.root_from_leaf_hashes(hashes)
    # when
    proof = merkle.consistency_proof(old, new, accessor(hashes))
    # then
    assert merkle.verify_consistency(old, new, old_root, new_root, proof)
    assert (proof == []) == (old == new)


@settings(max_examples=300, deadline=None)
@given(tree_and_old(), st.integers(0, 1000), st.integers(0, 31), st.integers(0, 7))
def test_flipped_byte_in_a_consistency_proof_fails(
    case: tuple[list[bytes], int], which: int, position: int, bit: int
) -> None:
    # given
    hashes, old = case
    new = len(hashes)
    old_root = merkle.root_from_leaf_hashes(hashes[:old])
    new_root = merkle.root_from_leaf_hashes(hashes)
    proof = merkle.consistency_proof(old, new, accessor(hashes))
    # then: a changed root fails whatever the proof (for equal sizes too)
    assert not merkle.verify_consistency(old, new, flip(old_root, position, bit), new_root, proof)
    assert not merkle.verify_consistency(old, new, old_root, flip(new_root, position, bit), proof)
    assume(proof)
    # when: one bit of one proof hash changes
    which %= len(proof)
    tampered = [*proof[:which], flip(proof[which], position, bit), *proof[which + 1 :]]
    # then
    assert not merkle.verify_consistency(old, new, old_root, new_root, tampered)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.integers(0, 1000))
def test_frontier_push_stores_every_interior_node_once(size: int, seed: int) -> None:
    # given
    hashes = leaves_of(size, seed)
    node = accessor(hashes)
    # when
    frontier: merkle.Frontier = []
    completed: list[tuple[int, int, bytes]] = []
    for position, leaf in enumerate(hashes):
        frontier, nodes = merkle.frontier_push(frontier, leaf, position)
        completed.extend(nodes)
    # then: exactly the complete perfect subtrees of level >= 1, with their recursive hashes
    expected = {(level, index) for level in range(1, size.bit_length()) for index in range(size >> level)}
    assert [(level, index) for level, index, _ in completed] == sorted(
        expected, key=lambda key: ((key[1] + 1) << key[0], key[0])
    )
    assert all(value == node(level, index) for level, index, value in completed)
