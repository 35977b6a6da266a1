"""Property: the streaming frontier computes exactly the RFC 9162 §2.1.1 recursive root, at every size."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from quancheng.ledger import merkle

leaf_lists = st.lists(st.binary(max_size=48), max_size=80)


@settings(max_examples=200, deadline=None)
@given(leaf_lists)
def test_frontier_root_equals_recursive_root(leaves: list[bytes]) -> None:
    # given
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    # when
    frontier: merkle.Frontier = []
    for value in hashes:
        frontier = merkle.frontier_append(frontier, value)
    # then
    assert merkle.frontier_size(frontier) == len(leaves)
    assert merkle.frontier_root(frontier) == merkle.root_from_leaf_hashes(hashes)
    assert merkle.frontier_from_json(merkle.frontier_to_json(frontier)) == frontier


@settings(max_examples=100, deadline=None)
@given(leaf_lists)
def test_streamed_roots_equal_recursive_root_of_every_prefix(leaves: list[bytes]) -> None:
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    streamed = list(merkle.roots_by_size(hashes))
    assert streamed == [(size, merkle.root_from_leaf_hashes(hashes[:size])) for size in range(1, len(hashes) + 1)]
