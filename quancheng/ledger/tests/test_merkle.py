"""RFC 9162 §2.1 tree hashing against the RFC 6962 example tree (shared/vectors)."""

import json
from pathlib import Path

import pytest

from quancheng.ledger import merkle

VECTORS = json.loads(
    (Path(__file__).resolve().parents[3] / "tests" / "vectors" / "rfc6962_tree_8leaves.json").read_text()
)
LEAVES = [bytes.fromhex(h) for h in VECTORS["leaves_hex"]]
ROOTS = [bytes.fromhex(h) for h in VECTORS["root_by_size_hex"]]


@pytest.mark.parametrize("size", range(len(ROOTS)))
def test_recursive_root_matches_rfc6962_vector(size: int) -> None:
    hashes = [merkle.leaf_hash(leaf) for leaf in LEAVES[:size]]
    assert merkle.root_from_leaf_hashes(hashes) == ROOTS[size]


@pytest.mark.parametrize("size", range(len(ROOTS)))
def test_frontier_root_matches_rfc6962_vector(size: int) -> None:
    frontier: merkle.Frontier = []
    for leaf in LEAVES[:size]:
        frontier = merkle.frontier_append(frontier, merkle.leaf_hash(leaf))
    assert merkle.frontier_size(frontier) == size
    assert merkle.frontier_root(frontier) == ROOTS[size]


def test_roots_by_size_streams_every_prefix_root() -> None:
    streamed = dict(merkle.roots_by_size(merkle.leaf_hash(leaf) for leaf in LEAVES))
    assert streamed == {size: ROOTS[size] for size in range(1, len(ROOTS))}


def test_frontier_json_round_trip() -> None:
    frontier: merkle.Frontier = []
    for leaf in LEAVES:
        frontier = merkle.frontier_append(frontier, merkle.leaf_hash(leaf))
    assert merkle.frontier_from_json(merkle.frontier_to_json(frontier)) == frontier
