"""The stored Merkle tree: interior nodes, roots at any size, and RFC 9162 proofs read from them.

Every interior node is written once, by the append that completes its perfect subtree (``ledger_append`` stores
what its frontier merges compute), so nothing here ever rehashes the tree: a root or a proof is the fold of at
most a few dozen stored hashes, fetched in one query (``LedgerNode`` by ``key`` plus the few leaves the proof
needs from ``LedgerEntry``). Proofs against any earlier size work the same way: a node never changes once its
subtree is complete, so the nodes of an old tree are the nodes of the current one.

Reads here are public-data reads with no user: the API goes through ``selectors``, which checks who asks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, models

from quancheng.core.errors import DomainError, ErrorCode

from . import merkle
from .merkle import NodeKey
from .models import LedgerEntry, LedgerHead, LedgerNode

# LedgerNode.key = level * 2**48 + index (see the model): indices below 2**48 keep keys of different levels apart,
# so no tree can grow past 2**48 leaves (2.8e14), far beyond any deployment.
NODE_KEY_SHIFT = 48
MAX_TREE_SIZE = 1 << NODE_KEY_SHIFT
# Keys per IN (...) list: well under SQLite's historical 999 bound parameters.
KEYS_PER_QUERY = 900
# Node findings verify lists one by one; past this, one summary (a store without nodes would list millions).
MAX_NODE_FINDINGS = 100


class LedgerNodeMissing(RuntimeError):
    """A node the tree should hold is not stored: the database was damaged, or nodes were never backfilled.

    Not a request error: ``quancheng verify`` reports the missing nodes (node_mismatch)."""


def node_key(level: int, index: int) -> int:
    return (level << NODE_KEY_SHIFT) | index


def key_node(key: int) -> NodeKey:
    return key >> NODE_KEY_SHIFT, key & (MAX_TREE_SIZE - 1)


def tree_size() -> int:
    """The current size of the log (0 before the first append)."""
    return LedgerHead.objects.filter(pk=1).values_list("size", flat=True).first() or 0


def insert_rows(model: type[models.Model], fields: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT ``rows`` (values of ``fields`` in order, ready for the database) into ``model``'s table directly.

    For the ledger's bulk writes, whose per-row ORM work would cost more than the hashing: one executemany on SQLite
    (its C loop is the fastest path there), COPY on PostgreSQL (one data stream instead of one protocol exchange
    per row). Triggers and constraints apply to COPY as to INSERT.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {one}", rows)
            return
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def store_nodes(nodes: Iterable[tuple[int, int, bytes]]) -> None:
    """Insert the interior nodes (level >= 1, index, hash) that appends completed; part of the append's transaction."""
    insert_rows(
        LedgerNode,
        ("key", "level", "index", "hash"),
        [(node_key(level, index), level, index, value) for level, index, value in nodes],
    )


def _fetch(keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
    """The stored hashes of ``keys`` in one query: leaves (level 0) from entries, interior nodes from LedgerNode."""
    leaf_indices: list[int] = []
    node_keys: list[int] = []
    for level, index in set(keys):
        if level == 0:
            leaf_indices.append(index)
        else:
            node_keys.append(node_key(level, index))
    queries = []
    if node_keys:
        queries.append(LedgerNode.objects.filter(key__in=node_keys).values_list("key", "hash"))
    if leaf_indices:
        # A leaf's key is its index (level 0), so both halves return (key, hash) rows.
        queries.append(LedgerEntry.objects.filter(index__in=leaf_indices).order_by().values_list("index", "leaf_hash"))
    if not queries:
        return {}
    query = queries[0] if len(queries) == 1 else queries[0].union(queries[1], all=True)
    return {key_node(key): bytes(value) for key, value in query}


def _out_of_range(message: str) -> DomainError:
    return DomainError(ErrorCode.PROOF_OUT_OF_RANGE, message)


def _require_size(size: int, *, name: str = "树大小") -> None:
    if size < 0:
        raise _out_of_range(f"{name} {size} 不能为负数")
    if size > MAX_TREE_SIZE:
        raise _out_of_range(f"{name} {size} 超出账本范围")


def _read(keys: set[NodeKey], size: int) -> dict[NodeKey, bytes]:
    """Fetch ``keys`` for a tree of ``size`` leaves. Every key set read here includes the last subtree of
    [0, size), which exists only once the log has reached ``size``: a missing key therefore means either a size
    beyond the log (a request error) or a damaged store (not one)."""
    found = _fetch(keys)
    if len(found) == len(keys):
        return found
    current = tree_size()
    if size > current:
        raise _out_of_range(f"树大小 {size} 超过账本当前大小 {current}")
    missing = sorted(keys - found.keys())
    raise LedgerNodeMissing(
        f"账本缺少 {len(missing)} 个默克尔树节点(如 level={missing[0][0]} index={missing[0][1]}),"
        "请运行 quancheng verify"
    )


def _fold(hashes: dict[NodeKey, bytes], nodes: list[NodeKey]) -> bytes:
    return merkle.fold_subtrees([hashes[node] for node in nodes])


def root_at(size: int) -> bytes:
    """MTH of the first ``size`` entries (RFC 9162 §2.1.1); the empty root for 0."""
    _require_size(size)
    if size == 0:
        return merkle.EMPTY_ROOT
    nodes = merkle.perfect_subtrees(0, size)
    return _fold(_read(set(nodes), size), nodes)


def subtree_hash(level: int, index: int) -> bytes:
    """The hash of the perfect subtree (level, index): leaves [index * 2**level, (index + 1) * 2**level)."""
    if level < 0 or index < 0 or level >= 64 or index >= MAX_TREE_SIZE >> min(level, NODE_KEY_SHIFT):
        raise _out_of_range(f"子树 level={level} index={index} 超出账本范围")
    end = (index + 1) << level
    return _read({(level, index)}, end)[(level, index)]


@dataclass(frozen=True)
class InclusionProof:
    """RFC 9162 §2.1.3: leaf ``index`` is in the tree of ``size`` entries whose root is ``root``."""

    index: int
    size: int
    leaf_hash: bytes
    root: bytes
    proof: list[bytes] = field(default_factory=list)

    def verify(self) -> bool:
        return merkle.verify_inclusion(self.leaf_hash, self.index, self.size, self.proof, self.root)


@dataclass(frozen=True)
class ConsistencyProof:
    """RFC 9162 §2.1.4: the tree of ``old`` entries is a prefix of the tree of ``new`` entries."""

    old: int
    new: int
    old_root: bytes
    new_root: bytes
    proof: list[bytes] = field(default_factory=list)

    def verify(self) -> bool:
        return merkle.verify_consistency(self.old, self.new, self.old_root, self.new_root, self.proof)


def prove_inclusion(index: int, size: int | None = None) -> InclusionProof:
    """Inclusion proof of entry ``index`` in the tree of ``size`` entries (default: the current size), with the
    leaf hash and the root it leads to, from one query."""
    if size is None:
        size = tree_size()
    _require_size(size)
    if index < 0:
        raise _out_of_range(f"条目序号 {index} 不能为负数")
    if size == 0:
        raise _out_of_range("树大小为 0:空树不含任何条目,没有包含证明")
    if index >= size:
        raise _out_of_range(f"条目序号 {index} 不在大小为 {size} 的树中(序号须小于树大小)")
    path = merkle.proof_subtrees(merkle.inclusion_ranges(index, size))
    root_nodes = merkle.perfect_subtrees(0, size)
    hashes = _read({(0, index), *root_nodes, *(node for element in path for node in element)}, size)
    return InclusionProof(
        index=index,
        size=size,
        leaf_hash=hashes[(0, index)],
        root=_fold(hashes, root_nodes),
        proof=[_fold(hashes, element) for element in path],
    )


def prove_consistency(old: int, new: int | None = None) -> ConsistencyProof:
    """Consistency proof from the tree of ``old`` entries to the tree of ``new`` (default: the current size),
    with both roots, from one query. Equal sizes give the empty proof (RFC 9162 §2.1.4.1)."""
    if new is None:
        new = tree_size()
    _require_size(old, name="旧树大小")
    _require_size(new, name="新树大小")
    if old == 0:
        raise _out_of_range(
            "旧树大小须大于 0:RFC 9162 §2.1.4 只为 0 < 旧树大小 ≤ 新树大小 定义一致性证明(空树无需证明)"
        )
    if old > new:
        raise _out_of_range(f"旧树大小 {old} 大于新树大小 {new}")
    path = merkle.proof_subtrees(merkle.consistency_ranges(old, new))
    old_nodes = merkle.perfect_subtrees(0, old)
    new_nodes = merkle.perfect_subtrees(0, new)
    hashes = _read({*old_nodes, *new_nodes, *(node for element in path for node in element)}, new)
    return ConsistencyProof(
        old=old,
        new=new,
        old_root=_fold(hashes, old_nodes),
        new_root=_fold(hashes, new_nodes),
        proof=[_fold(hashes, element) for element in path],
    )


def inclusion_proof(index: int, size: int) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(index, D[size]) from stored nodes; PROOF_OUT_OF_RANGE for index >= size, size > the
    log, size 0 or negatives."""
    return prove_inclusion(index, size).proof


def consistency_proof(old: int, new: int) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(old, D[new]) from stored nodes; PROOF_OUT_OF_RANGE for old = 0, old > new, new >
    the log or negatives."""
    return prove_consistency(old, new).proof


# --- verify: stored nodes against the recomputed tree --------------------------------------------------------


@dataclass(frozen=True)
class NodeFinding:
    """One stored node that does not match the tree recomputed from the leaves."""

    kind: str  # "changed", "missing" or "extra"
    level: int
    index: int
    message_zh: str
    message_en: str

    @property
    def subject(self) -> str:
        return f"node:{self.level}/{self.index}"


def expected_node_count(size: int) -> int:
    """How many interior nodes a tree of ``size`` leaves has complete: floor(size / 2**h) at each level h >= 1."""
    total, level = 0, 1
    while size >> level:
        total += size >> level
        level += 1
    return total


class NodeAudit:
    """Compares, in batches, the nodes a streaming recomputation completes with the stored ones.

    Feed :meth:`expect` every node the frontier merges produce (``merkle.frontier_push``), in order, then call
    :meth:`finish` with the tree size: it also finds stored nodes that no tree of that size has.
    """

    def __init__(self, batch: int = KEYS_PER_QUERY, limit: int = MAX_NODE_FINDINGS) -> None:
        self.batch = batch
        self.limit = limit
        self.pending: dict[int, tuple[int, int, bytes]] = {}
        self.findings: list[NodeFinding] = []
        self.unreported = 0  # findings past ``limit``, summarised at the end
        self.found = 0  # expected nodes present in the store (matching or not)

    def _add(self, finding: NodeFinding) -> None:
        if len(self.findings) < self.limit:
            self.findings.append(finding)
        else:
            self.unreported += 1

    def expect(self, nodes: Iterable[tuple[int, int, bytes]]) -> None:
        for level, index, value in nodes:
            self.pending[node_key(level, index)] = (level, index, value)
        if len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        # Plain SQL: the ORM's per-row work would double the cost of this check over a large log.
        quote = connection.ops.quote_name
        columns = ", ".join(quote(LedgerNode._meta.get_field(n).column) for n in ("key", "level", "index", "hash"))
        keys = list(self.pending)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns} FROM {quote(LedgerNode._meta.db_table)} "
                f"WHERE {quote(LedgerNode._meta.get_field('key').column)} IN ({', '.join(['%s'] * len(keys))})",
                keys,
            )
            stored = {key: (level, index, bytes(value)) for key, level, index, value in cursor.fetchall()}
        for key, (level, index, expected) in self.pending.items():
            row = stored.get(key)
            if row is None:
                self._add(
                    NodeFinding(
                        "missing",
                        level,
                        index,
                        f"默克尔树节点 level={level} index={index} 缺失",
                        f"node mismatch: node level={level} index={index} is missing",
                    )
                )
                continue
            self.found += 1
            if row != (level, index, expected):
                self._add(
                    NodeFinding(
                        "changed",
                        level,
                        index,
                        f"默克尔树节点 level={level} index={index} 已被改动:存储 {row[2].hex()[:16]}…,"
                        f"重算 {expected.hex()[:16]}…",
                        f"node mismatch: stored node level={row[0]} index={row[1]} hash {row[2].hex()} differs from "
                        f"the recomputed level={level} index={index} hash {expected.hex()}",
                    )
                )
        self.pending.clear()

    def finish(self, size: int) -> list[NodeFinding]:
        self.flush()
        if LedgerNode.objects.count() > self.found:
            for key, level, index in LedgerNode.objects.order_by("key").values_list("key", "level", "index").iterator():
                k_level, k_index = key_node(key)
                if k_level >= 1 and k_index < size >> k_level:
                    continue  # an expected key: compared above
                self._add(
                    NodeFinding(
                        "extra",
                        k_level,
                        k_index,
                        f"存储了大小为 {size} 的树中不存在的默克尔树节点 level={level} index={index}",
                        f"node mismatch: stored node level={level} index={index} (key {key}) is not part of the "
                        f"tree of size {size}",
                    )
                )
        if self.unreported:
            last = self.findings[-1]
            self.findings.append(
                NodeFinding(
                    last.kind,
                    last.level,
                    last.index,
                    f"另有 {self.unreported} 个默克尔树节点不符(未逐一列出)",
                    f"node mismatch: {self.unreported} more node(s) differ (not listed one by one)",
                )
            )
        return self.findings


__all__ = [
    "MAX_TREE_SIZE",
    "ConsistencyProof",
    "InclusionProof",
    "LedgerNodeMissing",
    "NodeAudit",
    "NodeFinding",
    "consistency_proof",
    "expected_node_count",
    "inclusion_proof",
    "node_key",
    "prove_consistency",
    "prove_inclusion",
    "root_at",
    "store_nodes",
    "subtree_hash",
    "tree_size",
]
