"""RFC 9162 §2.1 Merkle tree hashing, as pure functions over bytes.

leaf hash = SHA-256(0x00 || entry), node hash = SHA-256(0x01 || left || right), and the hash of the
empty tree is SHA-256 of the empty string. A *frontier* (compact range) is the list of roots of the
perfect subtrees that make up a tree of size n, largest first: it is enough to append a leaf and to
compute the root in O(log n) without rereading older leaves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 9162 §2.1.1: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) computed recursively exactly as RFC 9162 §2.1.1 defines it."""
    n = len(hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return hashes[0]
    k = _largest_power_of_two_below(n)
    return node_hash(root_from_leaf_hashes(hashes[:k]), root_from_leaf_hashes(hashes[k:]))


Frontier = list[tuple[int, bytes]]  # (height, subtree root), largest subtree first


def frontier_append(frontier: Frontier, leaf: bytes) -> Frontier:
    """Return the frontier after appending one leaf hash (the input is not modified)."""
    result = list(frontier)
    height, value = 0, leaf
    while result and result[-1][0] == height:
        left_height, left = result.pop()
        value = node_hash(left, value)
        height = left_height + 1
    result.append((height, value))
    return result


def frontier_root(frontier: Frontier) -> bytes:
    """Root of the tree the frontier describes; equals MTH because MTH splits at powers of two."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1][1]
    for _height, value in reversed(frontier[:-1]):
        root = node_hash(value, root)
    return root


def frontier_size(frontier: Frontier) -> int:
    return sum(1 << height for height, _ in frontier)


def roots_by_size(leaves: Iterable[bytes]) -> Iterable[tuple[int, bytes]]:
    """Yield (size, root) after each leaf hash, in one streaming pass (used by verify)."""
    frontier: Frontier = []
    size = 0
    for leaf in leaves:
        frontier = frontier_append(frontier, leaf)
        size += 1
        yield size, frontier_root(frontier)


def frontier_to_json(frontier: Frontier) -> list[list]:
    return [[height, value.hex()] for height, value in frontier]


def frontier_from_json(data: list[list]) -> Frontier:
    return [(int(height), bytes.fromhex(value)) for height, value in data]
