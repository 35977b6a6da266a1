"""Recompute everything the ledger vouches for and report what no longer matches.

Three phases, each one streaming pass:

1. **entries** — indices 0..N-1 without gaps; each entry's bytes are RFC 8785 canonical JSON that repeat
   the columns; ``leaf_hash`` = SHA-256(0x00‖entry); each stored ``tree_root`` is the RFC 9162 root at that
   size (recomputed with a Merkle frontier, O(log n) memory); the head's size, root and frontier agree.
2. **rows** — every row of every concrete ``Ledgered`` model hashes to ``digests["row"]`` of the latest
   entry for its subject; rows without an entry and entries whose row is gone are reported.
3. **blobs** — every stored blob re-hashes to its SHA-256 and size; every ``digests["blob"]`` names a blob.

The checks read the entry *bytes* (what the Merkle tree commits to), never only the convenience columns,
so editing a column cannot hide a change. Nothing here writes.

Conventions writers must keep for this to hold: an entry whose digests carry ``"row"`` anchors the state of
the row named by its subject (``<ledger_kind>:<pk>``, as ``ledger_record`` writes it), so the latest such
entry must describe the row as stored; a ``"blob"`` digest is the SHA-256 of a stored ``Blob``. Entries
without a ``"row"`` digest (events, or subjects of no ``Ledgered`` kind) are checked as entries only.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import rfc8785
from django.apps import apps
from django.db import connection, transaction
from django.db.models import Sum

from . import merkle
from .models import Ledgered, LedgerEntry, LedgerHead

# Rows fetched per round trip: large enough to amortise latency, small enough to keep memory flat.
CHUNK_ROWS = 2000
# Blob bytes read per call, as the brief asks (1 MiB).
BLOB_READ_CHUNK = 1024 * 1024
# The progress callback is called at most once per this many entries/rows.
PROGRESS_EVERY = 1000

ENTRY_FIELDS = frozenset({"action", "actor", "subject", "at", "digests"})

Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``; phase is "entries", "rows" or "blobs" (blobs count bytes)."""


class ProblemKind(StrEnum):
    BROKEN_CHAIN = "broken_chain"
    HEAD_MISMATCH = "head_mismatch"
    ENTRY_MALFORMED = "entry_malformed"
    ENTRY_COLUMNS_MISMATCH = "entry_columns_mismatch"
    LEAF_HASH_MISMATCH = "leaf_hash_mismatch"
    TREE_ROOT_MISMATCH = "tree_root_mismatch"
    CHANGED_ROW = "changed_row"
    ROW_NOT_IN_LEDGER = "row_not_in_ledger"
    MISSING_ROW = "missing_row"
    CHANGED_BLOB = "changed_blob"
    MISSING_BLOB = "missing_blob"
    UNREADABLE_BLOB = "unreadable_blob"


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    subject: str  # "ledger#12", "head", "certificate:3", "blob:<sha256>"
    message_zh: str
    message_en: str
    index: int | None = None  # the ledger entry concerned, when there is one

    def __str__(self) -> str:
        return f"[{self.kind}] {self.subject}: {self.message_zh} / {self.message_en}"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = str(self.kind)
        return data


@dataclass
class VerifyReport:
    problems: list[Problem] = field(default_factory=list)
    entries: int = 0
    rows: int = 0
    blobs: int = 0
    blob_bytes: int = 0
    size: int = 0  # tree size the entries claim (last index + 1)
    root: bytes | None = merkle.EMPTY_ROOT  # recomputed root; None when a gap makes it uncomputable
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "rows": self.rows,
            "blobs": self.blobs,
            "blob_bytes": self.blob_bytes,
            "size": self.size,
            "root": self.root.hex() if self.root is not None else None,
            "elapsed_seconds": round(self.elapsed, 3),
            "problems": [p.as_dict() for p in self.problems],
        }


@dataclass
class _Anchor:
    """The latest entry that fixed a subject's row state."""

    index: int
    row_digest: str


def _entry_label(index: int) -> str:
    return f"ledger#{index}"


def _bytes(value: Any) -> bytes:
    return bytes(value) if value is not None else b""


def _short(hex_digest: str) -> str:
    return hex_digest[:16] + "…" if len(hex_digest) > 16 else hex_digest


@contextmanager
def _read_snapshot() -> Iterator[None]:
    """Read everything from one consistent snapshot, without blocking writers.

    Concurrent appends would otherwise make the head look ahead of the entries read before it. PostgreSQL
    gets a REPEATABLE READ, READ ONLY transaction. On SQLite, Django's atomic() would BEGIN IMMEDIATE (our
    setting) and hold the write lock for the whole run, so a plain deferred BEGIN is issued instead: in WAL
    mode it pins a read snapshot and lets writers carry on. Inside a caller's transaction (tests, shells)
    that transaction already provides the view.
    """
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")  # read-only: ends the snapshot, writes nothing
        return
    yield


def ledgered_models() -> list[type[Ledgered]]:
    """Every concrete, non-proxy model whose rows are anchored in the ledger."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, Ledgered) and not model._meta.abstract and not model._meta.proxy and model.ledger_kind
    ]


class _Verifier:
    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress or (lambda phase, done, total: None)
        self.report = VerifyReport()
        self.anchors: dict[str, _Anchor] = {}
        self.blob_refs: dict[str, int] = {}  # blob sha256 → first entry index naming it

    def add(self, kind: ProblemKind, subject: str, zh: str, en: str, index: int | None = None) -> None:
        self.report.problems.append(Problem(kind=kind, subject=subject, message_zh=zh, message_en=en, index=index))

    # --- phase 1: entries and the tree --------------------------------------------------------------

    def check_entries(self) -> None:
        head = LedgerHead.objects.filter(pk=1).first()
        total = head.size if head is not None else LedgerEntry.objects.count()
        frontier: merkle.Frontier = []
        expected = 0
        chain_broken = False
        first_root_mismatch: int | None = None
        root_mismatches = 0
        rows = (
            LedgerEntry.objects.order_by("index")
            .values_list("index", "action", "actor", "subject", "at", "digests", "entry", "leaf_hash", "tree_root")
            .iterator(chunk_size=CHUNK_ROWS)
        )
        for index, action, actor, subject, at, digests, entry, stored_leaf, stored_root in rows:
            if index != expected:
                chain_broken = True
                self._report_gap(expected, index - 1)
            expected = index + 1
            entry = _bytes(entry)
            stored_leaf = _bytes(stored_leaf)
            columns = {"action": action, "actor": actor, "subject": subject, "at": at, "digests": digests}
            parsed = self._check_entry_bytes(index, entry, columns)
            if merkle.leaf_hash(entry) != stored_leaf:
                self.add(
                    ProblemKind.LEAF_HASH_MISMATCH,
                    _entry_label(index),
                    f"账本条目 #{index} 的内容与其叶哈希不符(条目被改动)",
                    f"entry #{index}: bytes do not hash to the stored leaf hash (entry changed)",
                    index,
                )
            # The tree is rebuilt from the stored leaf hashes, each checked against its bytes just above:
            # together they prove the tree commits to the entries, and one edited entry is one problem
            # instead of a wrong root at every later size.
            frontier = merkle.frontier_append(frontier, stored_leaf)
            if not chain_broken and merkle.frontier_root(frontier) != _bytes(stored_root):
                root_mismatches += 1
                if first_root_mismatch is None:
                    first_root_mismatch = index
            self._remember(index, parsed if parsed is not None else columns)
            self.report.entries += 1
            if self.report.entries % PROGRESS_EVERY == 0:
                self.progress("entries", self.report.entries, max(total, self.report.entries))
        self.progress("entries", self.report.entries, max(total, self.report.entries))

        if first_root_mismatch is not None:
            self.add(
                ProblemKind.TREE_ROOT_MISMATCH,
                _entry_label(first_root_mismatch),
                f"自条目 #{first_root_mismatch} 起共 {root_mismatches} 个树根与重算结果不符",
                f"stored tree root differs from the recomputed RFC 9162 root at entry #{first_root_mismatch} "
                f"({root_mismatches} entries affected)",
                first_root_mismatch,
            )
        self.report.size = expected
        self.report.root = None if chain_broken else merkle.frontier_root(frontier)
        self._check_head(head, expected, frontier, chain_broken)

    def _report_gap(self, first: int, last: int) -> None:
        if first == last:
            zh, en = f"账本链断裂:缺少条目 #{first}", f"broken chain: index {first} missing"
        else:
            zh, en = f"账本链断裂:缺少条目 #{first}–#{last}", f"broken chain: indices {first}..{last} missing"
        self.add(ProblemKind.BROKEN_CHAIN, _entry_label(first), zh, en, first)

    def _check_entry_bytes(self, index: int, entry: bytes, columns: dict[str, Any]) -> dict[str, Any] | None:
        """Parse the canonical bytes; return the fields they carry, or None when they cannot be read."""
        label = _entry_label(index)
        try:
            parsed = json.loads(entry.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self.add(
                ProblemKind.ENTRY_MALFORMED,
                label,
                f"账本条目 #{index} 不是有效的 JSON",
                f"entry #{index}: bytes are not valid JSON",
                index,
            )
            return None
        if not isinstance(parsed, dict) or set(parsed) != ENTRY_FIELDS or not isinstance(parsed["digests"], dict):
            self.add(
                ProblemKind.ENTRY_MALFORMED,
                label,
                f"账本条目 #{index} 的字段不符合规定(应为 action/actor/subject/at/digests)",
                f"entry #{index}: fields are not exactly action/actor/subject/at/digests",
                index,
            )
            return None
        try:
            canonical = rfc8785.dumps(parsed)
        except Exception:  # rfc8785 raises its own errors for values canonical JSON cannot carry
            canonical = b""
        if canonical != entry:
            self.add(
                ProblemKind.ENTRY_MALFORMED,
                label,
                f"账本条目 #{index} 不是 RFC 8785 规范化 JSON",
                f"entry #{index}: bytes are not RFC 8785 canonical JSON",
                index,
            )
        differing = sorted(name for name in ENTRY_FIELDS if parsed[name] != columns[name])
        if differing:
            self.add(
                ProblemKind.ENTRY_COLUMNS_MISMATCH,
                label,
                f"账本条目 #{index} 的字段 {', '.join(differing)} 与条目内容不一致",
                f"entry #{index}: column(s) {', '.join(differing)} differ from the entry bytes",
                index,
            )
        return parsed

    def _remember(self, index: int, fields: dict[str, Any]) -> None:
        digests = fields.get("digests")
        if not isinstance(digests, dict):
            return
        row_digest = digests.get("row")
        if isinstance(row_digest, str):
            self.anchors[str(fields.get("subject"))] = _Anchor(index=index, row_digest=row_digest)
        blob = digests.get("blob")
        if isinstance(blob, str):
            self.blob_refs.setdefault(blob, index)

    def _check_head(self, head: LedgerHead | None, size: int, frontier: merkle.Frontier, chain_broken: bool) -> None:
        if head is None:
            if size:
                self.add(
                    ProblemKind.HEAD_MISMATCH,
                    "head",
                    f"缺少账本状态行,但有 {size} 个条目",
                    f"ledger head row is missing but {size} entries exist",
                )
            return
        if head.size > size:
            # Entries deleted from the end leave no gap among the survivors; only the head remembers them.
            self._report_gap(size, head.size - 1)
            return
        if head.size < size:
            self.add(
                ProblemKind.HEAD_MISMATCH,
                "head",
                f"账本状态记录的条目数 {head.size} 少于实际条目数 {size}",
                f"head size {head.size} is smaller than the {size} entries present",
            )
            return
        if chain_broken:
            return  # the root cannot be recomputed across a gap; the gap itself is already reported
        if _bytes(head.root) != merkle.frontier_root(frontier):
            self.add(
                ProblemKind.HEAD_MISMATCH,
                "head",
                "账本状态中的树根与重算结果不符",
                f"head root {_bytes(head.root).hex()} differs from the recomputed root "
                f"{merkle.frontier_root(frontier).hex()}",
            )
        if merkle.frontier_from_json(head.frontier) != frontier:
            self.add(
                ProblemKind.HEAD_MISMATCH,
                "head",
                "账本状态中的前沿节点与重算结果不符(后续追加将产生错误的树根)",
                "head frontier differs from the recomputed frontier (later appends would compute wrong roots)",
            )

    # --- phase 2: rows ------------------------------------------------------------------------------

    def check_rows(self) -> None:
        models_ = ledgered_models()
        total = sum(model._base_manager.count() for model in models_)
        seen: set[str] = set()
        kinds: set[str] = set()
        for model in models_:
            kinds.add(model.ledger_kind)
            for row in model._base_manager.order_by("pk").iterator(chunk_size=CHUNK_ROWS):
                self._check_row(row, seen)
                self.report.rows += 1
                if self.report.rows % PROGRESS_EVERY == 0:
                    self.progress("rows", self.report.rows, max(total, self.report.rows))
        self.progress("rows", self.report.rows, max(total, self.report.rows))
        for subject, anchor in sorted(self.anchors.items(), key=lambda item: item[1].index):
            if subject in seen or subject.split(":", 1)[0] not in kinds:
                continue
            self.add(
                ProblemKind.MISSING_ROW,
                subject,
                f"数据行 {subject} 已不存在(账本条目 #{anchor.index} 记录了它)",
                f"missing row: {subject} is recorded in entry #{anchor.index} but no longer exists",
                anchor.index,
            )

    def _check_row(self, row: Ledgered, seen: set[str]) -> None:
        subject = row.ledger_subject()
        seen.add(subject)
        anchor = self.anchors.get(subject)
        if anchor is None:
            self.add(
                ProblemKind.ROW_NOT_IN_LEDGER,
                subject,
                f"数据行 {subject} 没有任何账本记录",
                f"row not in ledger: {subject} has no ledger entry",
            )
            return
        digest = row.ledger_digest()
        if digest != anchor.row_digest:
            self.add(
                ProblemKind.CHANGED_ROW,
                subject,
                f"数据行 {subject} 已被改动:摘要 {_short(digest)} 与账本条目 #{anchor.index} 的 "
                f"{_short(anchor.row_digest)} 不符",
                f"changed row: {subject} digest {_short(digest)} differs from entry #{anchor.index} "
                f"({_short(anchor.row_digest)})",
                anchor.index,
            )

    # --- phase 3: blobs -----------------------------------------------------------------------------

    def check_blobs(self) -> None:
        from quancheng.evidence.models import Blob  # the ledger sits below the domain apps; import lazily
        from quancheng.evidence.storage import get_blob_store

        store = get_blob_store()
        total_bytes = Blob.objects.aggregate(total=Sum("size"))["total"] or 0
        known: set[str] = set()
        for sha256, size in Blob.objects.order_by("pk").values_list("sha256", "size").iterator(chunk_size=CHUNK_ROWS):
            known.add(sha256)
            self._check_blob(store, sha256, size, total_bytes)
            self.report.blobs += 1
        self.progress("blobs", self.report.blob_bytes, max(total_bytes, self.report.blob_bytes))
        for sha256, index in sorted(self.blob_refs.items(), key=lambda item: item[1]):
            if sha256 not in known:
                self.add(
                    ProblemKind.MISSING_BLOB,
                    f"blob:{sha256}",
                    f"账本条目 #{index} 引用的存储对象 {_short(sha256)} 不存在",
                    f"missing blob: entry #{index} names blob {sha256}, which is not stored",
                    index,
                )

    def _check_blob(self, store: Any, sha256: str, size: int, total_bytes: int) -> None:
        subject = f"blob:{sha256}"
        digest = hashlib.sha256()
        read = 0
        try:
            with store.open(sha256) as stream:
                while chunk := stream.read(BLOB_READ_CHUNK):
                    digest.update(chunk)
                    read += len(chunk)
                    self.report.blob_bytes += len(chunk)
                    self.progress("blobs", self.report.blob_bytes, max(total_bytes, self.report.blob_bytes))
        except FileNotFoundError:
            self._missing_blob(subject)
            return
        except Exception as exc:  # S3 and other stores raise their own errors; decide by asking the store
            if not _store_has(store, sha256):
                self._missing_blob(subject)
            else:
                self.add(
                    ProblemKind.UNREADABLE_BLOB,
                    subject,
                    f"存储对象 {_short(sha256)} 无法读取:{exc}",
                    f"unreadable blob {sha256}: {exc}",
                )
            return
        if digest.hexdigest() != sha256 or read != size:
            self.add(
                ProblemKind.CHANGED_BLOB,
                subject,
                f"存储对象 {_short(sha256)} 的内容已被改动(重算摘要 {_short(digest.hexdigest())},{read} 字节,"
                f"登记 {size} 字节)",
                f"changed blob: {sha256} now hashes to {digest.hexdigest()} ({read} bytes, {size} recorded)",
            )

    def _missing_blob(self, subject: str) -> None:
        self.add(ProblemKind.MISSING_BLOB, subject, "存储对象的文件缺失", "missing blob: stored bytes not found")


def _store_has(store: Any, sha256: str) -> bool:
    try:
        return bool(store.exists(sha256))
    except Exception:
        return True  # cannot tell: report it as unreadable rather than missing


def verify(*, progress: Progress | None = None) -> VerifyReport:
    """Recompute the whole ledger, every anchored row and every blob; the report lists each problem."""
    started = time.monotonic()
    verifier = _Verifier(progress)
    with _read_snapshot():
        verifier.check_entries()
        verifier.check_rows()
        verifier.check_blobs()
    verifier.report.elapsed = time.monotonic() - started
    return verifier.report


def verify_problems(*, progress: Progress | None = None) -> list[Problem]:
    """Just the problems (empty when everything is intact)."""
    return verify(progress=progress).problems


__all__ = ["Problem", "ProblemKind", "Progress", "VerifyReport", "ledgered_models", "verify", "verify_problems"]
