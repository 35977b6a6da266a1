"""RFC 9162 §2.1.3–2.1.4 proofs, pure: generation over a node accessor and the verification algorithms, against
the RFC 6962 example tree and transparency-dev/merkle's published proof vectors (tests/vectors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quancheng.ledger import merkle

VECTORS_DIR = Path(__file__).resolve().parents[3] / "tests" / "vectors"
TREE = json.loads((VECTORS_DIR / "rfc6962_tree_8leaves.json").read_text())
PROOFS = json.loads((VECTORS_DIR / "transparency_dev_proofs.json").read_text())
LEAVES = [merkle.leaf_hash(bytes.fromhex(h)) for h in TREE["leaves_hex"]]
ROOTS = [bytes.fromhex(h) for h in TREE["root_by_size_hex"]]
NODES = [[bytes.fromhex(h) for h in level] for level in TREE["node_hashes_by_level_hex"]]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def stored_node(level: int, index: int) -> bytes:
    """The accessor a store offers: perfect subtrees of the example tree, from the published node hashes."""
    return NODES[level][index]


def hexes(values: list[bytes]) -> list[str]:
    return [value.hex() for value in values]


# --- generation against the published vectors ---------------------------------------------------------------


@pytest.mark.parametrize("vector", PROOFS["inclusion"], ids=lambda v: f"{v['index']}@{v['size']}")
def test_inclusion_proof_equals_transparency_dev_vector(vector: dict) -> None:
    # given
    index, size = vector["index"], vector["size"]
    # when
    proof = merkle.inclusion_proof(index, size, stored_node)
    # then
    assert hexes(proof) == vector["proof_hex"]
    assert merkle.verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize("vector", PROOFS["consistency"], ids=lambda v: f"{v['old']}-{v['new']}")
def test_consistency_proof_equals_transparency_dev_vector(vector: dict) -> None:
    # given
    old, new = vector["old"], vector["new"]
    # when
    proof = merkle.consistency_proof(old, new, stored_node)
    # then
    assert hexes(proof) == vector["proof_hex"]
    assert merkle.verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


@pytest.mark.parametrize("size", range(1, 9))
def test_every_inclusion_proof_of_the_example_tree_verifies(size: int) -> None:
    for index in range(size):
        proof = merkle.inclusion_proof(index, size, stored_node)
        assert merkle.verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size]), (index, size)
        other_root = ROOTS[size - 1] if size > 1 else SOME_HASH
        assert not merkle.verify_inclusion(LEAVES[index], index, size, proof, other_root)


@pytest.mark.parametrize("new", range(1, 9))
def test_every_consistency_proof_of_the_example_tree_verifies(new: int) -> None:
    for old in range(1, new + 1):
        proof = merkle.consistency_proof(old, new, stored_node)
        assert merkle.verify_consistency(old, new, ROOTS[old], ROOTS[new], proof), (old, new)


@pytest.mark.parametrize("size", range(9))
def test_root_of_folds_stored_subtrees_to_the_rfc_root(size: int) -> None:
    assert merkle.root_of(size, stored_node) == ROOTS[size]


# --- the verification algorithms refuse what transparency-dev's probes refuse ---------------------------------


def inclusion_probes(index: int, size: int, proof: list[bytes], root: bytes, leaf: bytes) -> list[tuple]:
    """transparency-dev/merkle proof/verify_test.go corruptInclusionProof: each must fail."""
    probes = [
        ("index - 1", index - 1, size, root, leaf, proof),
        ("index + 1", index + 1, size, root, leaf, proof),
        ("index ^ 2", index ^ 2, size, root, leaf, proof),
        ("size * 2", index, size * 2, root, leaf, proof),
        ("size // 2", index, size // 2, root, leaf, proof),
        ("wrong leaf", index, size, root, b"WrongLeaf", proof),
        ("empty root", index, size, merkle.EMPTY_ROOT, leaf, proof),
        ("random root", index, size, SOME_HASH, leaf, proof),
        ("trailing garbage", index, size, root, leaf, [*proof, b""]),
        ("trailing root", index, size, root, leaf, [*proof, root]),
        ("preceding garbage", index, size, root, leaf, [b"", *proof]),
        ("preceding root", index, size, root, leaf, [root, *proof]),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((f"proof[{i}] bit 3", index, size, root, leaf, flipped))
    if proof:
        probes.append(("removed component", index, size, root, leaf, proof[:-1]))
    if len(proof) > 1:
        probes.append(("inserted component", index, size, root, leaf, [proof[0], SOME_HASH, *proof[1:]]))
    return probes


@pytest.mark.parametrize("vector", PROOFS["inclusion"], ids=lambda v: f"{v['index']}@{v['size']}")
def test_corrupted_inclusion_proofs_fail(vector: dict) -> None:
    index, size = vector["index"], vector["size"]
    proof = [bytes.fromhex(h) for h in vector["proof_hex"]]
    for desc, p_index, p_size, root, leaf, p_proof in inclusion_probes(index, size, proof, ROOTS[size], LEAVES[index]):
        assert not merkle.verify_inclusion(leaf, p_index, p_size, p_proof, root), desc


def consistency_probes(old: int, new: int, root1: bytes, root2: bytes, proof: list[bytes]) -> list[tuple]:
    """transparency-dev/merkle proof/verify_test.go corruptConsistencyProof: each must fail."""
    probes = [
        ("old - 1", old - 1, new, root1, root2, proof),
        ("old + 1", old + 1, new, root1, root2, proof),
        ("old ^ 2", old ^ 2, new, root1, root2, proof),
        ("new * 2", old, new * 2, root1, root2, proof),
        ("new // 2", old, new // 2, root1, root2, proof),
        ("wrong root1", old, new, b"WrongRoot", root2, proof),
        ("wrong root2", old, new, root1, b"WrongRoot", proof),
        ("swapped roots", old, new, root2, root1, proof),
        ("empty proof", old, new, root1, root2, []),
        ("trailing garbage", old, new, root1, root2, [*proof, b""]),
        ("trailing root1", old, new, root1, root2, [*proof, root1]),
        ("trailing root2", old, new, root1, root2, [*proof, root2]),
        ("preceding garbage", old, new, root1, root2, [b"", *proof]),
        ("preceding root1", old, new, root1, root2, [root1, *proof]),
        ("preceding root2", old, new, root1, root2, [root2, *proof]),
        ("preceding proof[0]", old, new, root1, root2, [proof[0], *proof]),
        ("truncated proof", old, new, root1, root2, proof[:-1]),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append((f"proof[{i}] bit 4", old, new, root1, root2, flipped))
    return probes


@pytest.mark.parametrize(
    "vector", [v for v in PROOFS["consistency"] if v["proof_hex"]], ids=lambda v: f"{v['old']}-{v['new']}"
)
def test_corrupted_consistency_proofs_fail(vector: dict) -> None:
    old, new = vector["old"], vector["new"]
    proof = [bytes.fromhex(h) for h in vector["proof_hex"]]
    for desc, p_old, p_new, root1, root2, p_proof in consistency_probes(old, new, ROOTS[old], ROOTS[new], proof):
        assert not merkle.verify_consistency(p_old, p_new, root1, root2, p_proof), desc


# --- edge cases --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "size"),
    [(0, 0), (1, 0), (1, 1), (2, 1), (8, 8), (-1, 8), (0, -1)],
    ids=["size 0", "index 1 of 0", "index = size", "index > size", "index = size 8", "negative index", "negative size"],
)
def test_inclusion_outside_the_tree_is_refused(index: int, size: int) -> None:
    with pytest.raises(merkle.ProofRangeError):
        merkle.inclusion_ranges(index, size)
    assert not merkle.verify_inclusion(SOME_HASH, index, size, [], merkle.EMPTY_ROOT)
    assert not merkle.verify_inclusion(SOME_HASH, index, size, [], SOME_HASH)


def test_single_leaf_tree_has_the_empty_inclusion_proof() -> None:
    # given: a tree of one leaf, whose root is that leaf
    leaf = merkle.leaf_hash(b"data")
    # then
    assert merkle.inclusion_ranges(0, 1) == []
    assert merkle.verify_inclusion(leaf, 0, 1, [], leaf)
    assert not merkle.verify_inclusion(leaf, 0, 1, [], b"")
    assert not merkle.verify_inclusion(b"", 0, 1, [], leaf)


@pytest.mark.parametrize("size", range(1, 9))
def test_equal_sizes_have_the_empty_consistency_proof(size: int) -> None:
    assert merkle.consistency_ranges(size, size) == []
    assert merkle.consistency_proof(size, size, stored_node) == []
    assert merkle.verify_consistency(size, size, ROOTS[size], ROOTS[size], [])
    # the empty proof proves nothing about different roots, and a non-empty one is not the proof of equal sizes
    assert not merkle.verify_consistency(size, size, ROOTS[size], SOME_HASH, [])
    assert not merkle.verify_consistency(size, size, ROOTS[size], ROOTS[size], [merkle.EMPTY_ROOT])


@pytest.mark.parametrize(
    ("old", "new"), [(0, 0), (0, 1), (0, 8), (2, 1), (8, 7), (-1, 3)], ids=["0-0", "0-1", "0-8", "2-1", "8-7", "neg"]
)
def test_consistency_with_old_zero_or_old_after_new_is_refused(old: int, new: int) -> None:
    # RFC 9162 §2.1.4 defines PROOF(m, D[n]) for 0 < m <= n only.
    with pytest.raises(merkle.ProofRangeError):
        merkle.consistency_ranges(old, new)
    assert not merkle.verify_consistency(old, new, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [])
    assert not merkle.verify_consistency(old, new, merkle.EMPTY_ROOT, ROOTS[1], [])


def test_old_one_size_two_proof_is_the_right_leaf() -> None:
    # given: D[1] inside D[2]; SUBPROOF(1, D[2], true) = SUBPROOF(1, D[0:1], true) : MTH(D[1:2]) = {leaf 1}
    proof = merkle.consistency_proof(1, 2, stored_node)
    # then
    assert proof == [LEAVES[1]]
    assert merkle.verify_consistency(1, 2, ROOTS[1], ROOTS[2], proof)


# --- ranges and stored nodes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, 0, []),
        (0, 1, [(0, 0)]),
        (0, 7, [(2, 0), (1, 2), (0, 6)]),
        (4, 7, [(1, 2), (0, 6)]),
        (8, 13, [(2, 2), (0, 12)]),
        (0, 8, [(3, 0)]),
    ],
)
def test_perfect_subtrees_of_aligned_ranges(start: int, end: int, expected: list[tuple[int, int]]) -> None:
    assert merkle.perfect_subtrees(start, end) == expected


@pytest.mark.parametrize(("start", "end"), [(1, 3), (2, 5), (6, 9), (-1, 2), (3, 2)])
def test_unaligned_ranges_are_refused(start: int, end: int) -> None:
    # their MTH is not the fold of perfect subtrees, so reading them from stored nodes would be wrong
    with pytest.raises(merkle.ProofRangeError):
        merkle.perfect_subtrees(start, end)


def test_frontier_push_returns_exactly_the_completed_nodes() -> None:
    # given: the example tree appended leaf by leaf
    frontier: merkle.Frontier = []
    completed: list[tuple[int, int, bytes]] = []
    # when
    for size, leaf in enumerate(LEAVES):
        pushed, nodes = merkle.frontier_push(frontier, leaf, size)
        assert pushed == merkle.frontier_append(frontier, leaf)  # the same frontier as a plain append
        frontier = pushed
        completed.extend(nodes)
    # then: every interior node of the published tree, each once
    expected = [(level, index, NODES[level][index]) for level in range(1, 4) for index in range(len(NODES[level]))]
    assert sorted(completed) == sorted(expected)
    assert merkle.frontier_root(frontier) == ROOTS[8]
