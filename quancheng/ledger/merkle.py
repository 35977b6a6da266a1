"""RFC 9162 §2.1 Merkle tree hashing, as pure functions over bytes.

leaf hash = SHA-256(0x00 || entry), node hash = SHA-256(0x01 || left || right), and the hash of the
empty tree is SHA-256 of the empty string. A *frontier* (compact range) is the list of roots of the
perfect subtrees that make up a tree of size n, largest first: it is enough to append a leaf and to
compute the root in O(log n) without rereading older leaves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

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
    # Inlined node_hash: appends and verify call this once per entry.
    sha256 = hashlib.sha256
    root = frontier[-1][1]
    for position in range(len(frontier) - 2, -1, -1):
        root = sha256(b"\x01" + frontier[position][1] + root).digest()
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


# --- stored nodes, proofs (RFC 9162 §2.1.3–2.1.4) -------------------------------------------------------------
#
# A *node* (level, index) is the root of the perfect subtree over leaves [index * 2**level, (index + 1) * 2**level);
# level 0 is a leaf hash. Proofs are described first as leaf *ranges* [start, end) whose MTH they carry, exactly
# as the RFC's recursive definitions split the tree; every such range starts at a multiple of the next power of
# two at or above its width, so its MTH is the fold of at most log2(n) perfect subtrees. That is what lets a proof
# be read from stored nodes without recomputing anything.

NodeKey = tuple[int, int]  # (level, index)
LeafRange = tuple[int, int]  # [start, end)
NodeGetter = Callable[[int, int], bytes]  # (level, index) -> hash of that perfect subtree


class ProofRangeError(ValueError):
    """The (index, size) or (old, new) pair names no proof RFC 9162 defines."""


def frontier_push(frontier: Frontier, leaf: bytes, size: int) -> tuple[Frontier, list[tuple[int, int, bytes]]]:
    """Append leaf number ``size`` (the tree had ``size`` leaves); return the new frontier and the interior nodes
    (level >= 1, index, hash) that this leaf completed, lowest first.

    The merges are the ones :func:`frontier_append` makes: appending leaf ``size`` completes the nodes at every
    level h with 2**h dividing size + 1, and their index at that level is ``size >> h``.
    """
    result = list(frontier)
    height, value = 0, leaf
    completed: list[tuple[int, int, bytes]] = []
    while result and result[-1][0] == height:
        _left_height, left = result.pop()
        value = node_hash(left, value)
        height += 1
        completed.append((height, size >> height, value))
    result.append((height, value))
    return result, completed


def perfect_subtrees(start: int, end: int) -> list[NodeKey]:
    """The perfect subtrees (level, index) covering leaves [start, end), largest first.

    For a range that starts at a multiple of the next power of two at or above its width (every range the RFC's
    recursions produce, and every [0, n)), folding their hashes right to left gives MTH(D[start:end]), because
    MTH splits at the largest power of two below the width: the first subtree.
    """
    width = end - start
    if start < 0 or width < 0:
        raise ProofRangeError(f"invalid leaf range [{start}, {end})")
    if width and start % (1 << (width - 1).bit_length()):
        raise ProofRangeError(f"leaf range [{start}, {end}) is not aligned to a subtree of the tree")
    nodes: list[NodeKey] = []
    while start < end:
        level = (end - start).bit_length() - 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold_subtrees(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from the hashes of its perfect subtrees, largest first (see :func:`perfect_subtrees`)."""
    if not hashes:
        return EMPTY_ROOT
    value = hashes[-1]
    for left in reversed(hashes[:-1]):
        value = node_hash(left, value)
    return value


def range_hash(start: int, end: int, node: NodeGetter) -> bytes:
    """MTH(D[start:end]) for an aligned range, from the perfect subtrees ``node`` returns."""
    return fold_subtrees([node(level, index) for level, index in perfect_subtrees(start, end)])


def inclusion_ranges(index: int, size: int) -> list[LeafRange]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n]) as the leaf ranges whose MTH it lists, the leaf's sibling first.

    PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) when m < k, and PATH(m - k, D[k:n]) : MTH(D[0:k]) otherwise,
    k being the largest power of two smaller than n; PATH(0, {d(0)}) is empty.
    """
    if size <= 0 or not 0 <= index < size:
        raise ProofRangeError(f"leaf index {index} is not in a tree of size {size}")
    path: list[LeafRange] = []
    start, end = 0, size
    while end - start > 1:
        k = _largest_power_of_two_below(end - start)
        if index < start + k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            start += k
    path.reverse()  # built from the root down; the RFC lists it from the leaf up
    return path


def consistency_ranges(old: int, new: int) -> list[LeafRange]:
    """RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true) as leaf ranges, deepest first.

    SUBPROOF(m, D[m], true) is empty; SUBPROOF(m, D[m], false) = {MTH(D[m])}; for m < n, with k the largest power
    of two smaller than n: SUBPROOF(m, D[0:k], b) : MTH(D[k:n]) when m <= k, else
    SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]). The RFC defines it for 0 < m <= n only.
    """
    if old <= 0:
        raise ProofRangeError(f"old tree size {old} must be positive (RFC 9162 §2.1.4: 0 < m <= n)")
    if old > new:
        raise ProofRangeError(f"old tree size {old} exceeds new tree size {new}")
    proof: list[LeafRange] = []
    start, end, m, whole = 0, new, old, True  # computing SUBPROOF(m, D[start:end], whole)
    while True:
        n = end - start
        if m == n:
            if not whole:
                proof.append((start, end))
            break
        k = _largest_power_of_two_below(n)
        if m <= k:
            proof.append((start + k, end))
            end = start + k
        else:
            proof.append((start, start + k))
            start += k
            m -= k
            whole = False
    proof.reverse()
    return proof


def proof_subtrees(ranges: Iterable[LeafRange]) -> list[list[NodeKey]]:
    """For each range of a proof, the stored nodes whose fold is its MTH."""
    return [perfect_subtrees(start, end) for start, end in ranges]


def root_of(size: int, node: NodeGetter) -> bytes:
    """MTH(D[0:size]) from stored perfect subtrees (the empty root for size 0)."""
    return range_hash(0, size, node)


def inclusion_proof(index: int, size: int, node: NodeGetter) -> list[bytes]:
    """RFC 9162 §2.1.3.1 inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
    return [range_hash(start, end, node) for start, end in inclusion_ranges(index, size)]


def consistency_proof(old: int, new: int, node: NodeGetter) -> list[bytes]:
    """RFC 9162 §2.1.4.1 consistency proof between the trees of ``old`` and ``new`` leaves (0 < old <= new)."""
    return [range_hash(start, end, node) for start, end in consistency_ranges(old, new)]


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` show leaf ``leaf_hash`` at ``index`` in the tree of ``size`` with ``root``?"""
    # 1. leaf_index >= tree_size fails.
    if index < 0 or size <= 0 or index >= size:
        return False
    # 2. fn = leaf_index, sn = tree_size - 1; 3. r = hash.
    fn, sn, r = index, size - 1, leaf_hash
    # 4. For each p in the inclusion path:
    for p in proof:
        # a. sn == 0 before the path is used up: fail.
        if sn == 0:
            return False
        # b. LSB(fn) set, or fn == sn: p is a left sibling.
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # ii. Unless LSB(fn) is set, shift until it is or fn is 0 (skips levels where the node has no sibling).
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        # c. Shift both once.
        fn >>= 1
        sn >>= 1
    # 5. sn must be 0 and r the root.
    return sn == 0 and r == root


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: does ``proof`` show the tree of ``old`` leaves (``old_root``) is a prefix of the tree of
    ``new`` leaves (``new_root``)?

    Equal sizes need the empty proof and equal roots (PROOF(n, D[n]) is empty). ``old`` = 0 is refused: the RFC
    defines consistency proofs for 0 < old <= new only (the empty tree is a prefix of every tree; there is nothing
    to prove, and nothing here pretends otherwise).
    """
    if old <= 0 or old > new:
        return False
    if old == new:
        return not proof and old_root == new_root
    # 1. An empty path fails.
    if not proof:
        return False
    path = list(proof)
    # 2. If first is an exact power of 2, prepend first_hash.
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    # 3. fn = first - 1, sn = second - 1.
    fn, sn = old - 1, new - 1
    # 4. While LSB(fn) is set, shift both.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5. fr = sr = the first value of the path.
    fr = sr = path[0]
    # 6. For each subsequent value c:
    for c in path[1:]:
        # a. sn == 0 before the path is used up: fail.
        if sn == 0:
            return False
        # b. LSB(fn) set or fn == sn: c is a left sibling of both paths.
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            # iii. Unless LSB(fn) is set, shift until it is or fn is 0.
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            # Otherwise c only extends the new tree.
            sr = node_hash(sr, c)
        # c. Shift both once.
        fn >>= 1
        sn >>= 1
    # 7. fr must be first_hash, sr second_hash, and sn 0.
    return fr == old_root and sr == new_root and sn == 0
