"""Recompute everything the ledger vouches for and report what no longer matches.

Three phases, each one streaming pass:

1. **entries** — indices 0..N-1 without gaps; each entry's bytes are RFC 8785 canonical JSON that repeat
   the columns; ``leaf_hash`` = SHA-256(0x00‖entry); each stored ``tree_root`` is the RFC 9162 root at that
   size (recomputed with a Merkle frontier, O(log n) memory); the head's size, root and frontier agree; every
   stored interior node (``LedgerNode``, which proofs and tiles serve) is the one the frontier merges recompute
   (``tree.NodeAudit``).
   The same pass checks the witness (``witness.py``): at every witnessed size the recomputed root must be
   the witnessed one, and no witnessed size may exceed the tree; it checks every stored signed checkpoint the
   same way, and its signature with our key (``checkpoints.CheckpointAudit``). And it applies the entry rules
   (:class:`EntryRules`): actions from the ``LedgerAction`` vocabulary, actors that exist, nothing anchored
   for a row after its final action (a sealed record), re-anchoring entries that continue the anchored state.
2. **rows** — every row of every concrete ``Ledgered`` model hashes to ``digests["row"]`` of the latest
   entry for its subject; rows without an entry and entries whose row is gone are reported.
3. **blobs** — every stored blob re-hashes to its SHA-256 and size; every ``digests["blob"]`` names a blob.

The checks read the entry *bytes* (what the Merkle tree commits to), never only the convenience columns,
so editing a column cannot hide a change. Nothing here writes.

Conventions writers must keep for this to hold: an entry whose digests carry ``"row"`` anchors the state of
the row named by its subject (``<ledger_kind>:<pk>``, as ``ledger_record`` writes it), so the latest such
entry must describe the row as stored; a ``"blob"`` digest is the SHA-256 of a stored ``Blob``. Entries
without a ``"row"`` digest (events, or subjects of no ``Ledgered`` kind) are checked as entries only.

What this cannot see: a consistent rewrite of the whole database (entries, tree roots and head recomputed,
e.g. the last entries deleted and the head rewound) made *before* the earliest witnessed checkpoint, or made
when no witness file is kept. Only a copy of an earlier root held outside the database catches that.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Sum

from . import merkle
from .checkpoints import CheckpointAudit
from .models import LedgerAction, Ledgered, LedgerEntry, LedgerHead
from .services import SYSTEM_ACTOR, canonical_json
from .tree import NodeAudit
from .witness import Checkpoint, read_witness

# Rows fetched per round trip: large enough to amortise latency, small enough to keep memory flat.
CHUNK_ROWS = 2000
# Blob bytes read per call, as the brief asks (1 MiB).
BLOB_READ_CHUNK = 1024 * 1024
# The progress callback is called at most once per this many entries/rows.
PROGRESS_EVERY = 1000

ENTRY_FIELDS = frozenset({"action", "actor", "subject", "at", "digests"})
# Who may act: ``system`` or a row of one of these ledger kinds, as ``actor_id`` writes them.
ACTOR_KINDS = ("user", "device")
ACTOR_PATTERN = re.compile(r"^(" + "|".join(ACTOR_KINDS) + r"):([1-9][0-9]*)$")
# Entries that re-anchor a row without changing what it says (schema maintenance); they must continue the
# anchored state: ``digests["previous"]`` is the row digest anchored before them.
REANCHOR_ACTIONS = frozenset({LedgerAction.LEDGER_SALT_ADDED.value, LedgerAction.LEDGER_SCHEMA_MIGRATED.value})

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
    UNKNOWN_ACTION = "unknown_action"
    UNKNOWN_ACTOR = "unknown_actor"
    CHANGED_AFTER_FINAL = "changed_after_final"
    REANCHOR_MISMATCH = "reanchor_mismatch"
    WITNESS_MISMATCH = "witness_mismatch"
    LEDGER_SHRANK = "ledger_shrank"
    WITNESS_MALFORMED = "witness_malformed"
    # A stored Merkle node (tree.NodeAudit) that differs from, is missing from, or is not part of the recomputed tree.
    NODE_MISMATCH = "node_mismatch"
    # Signed checkpoints (checkpoints.CheckpointAudit): a note that does not verify with our key or names another
    # origin; a root that differs from the recomputed one at its size; a size beyond the tree.
    CHECKPOINT_INVALID = "checkpoint_invalid"
    CHECKPOINT_MISMATCH = "checkpoint_mismatch"
    CHECKPOINT_BEYOND_TREE = "checkpoint_beyond_tree"


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    subject: str  # "ledger#12", "head", "certificate:3", "blob:<sha256>", "witness"
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
    witness: str | None = None  # the witness file read, when one was given
    witnessed: int = 0  # checkpoints read from it
    checkpoints: int = 0  # stored signed checkpoints checked (LedgerCheckpoint)

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
            "witness": self.witness,
            "witnessed": self.witnessed,
            "checkpoints": self.checkpoints,
            "problems": [p.as_dict() for p in self.problems],
        }


@dataclass
class _Anchor:
    """The latest entry that fixed a subject's row state."""

    index: int
    row_digest: str


def _entry_label(index: int) -> str:
    return f"ledger#{index}"


def _problem(kind: ProblemKind, subject: str, zh: str, en: str, index: int | None = None) -> Problem:
    return Problem(kind=kind, subject=subject, message_zh=zh, message_en=en, index=index)


class EntryRules:
    """Rules on the sequence of entries, pure: no database access, so they are tested table by table.

    Feed every entry in index order to :meth:`check`, passing the row digest anchored for its subject by the
    entries before it; then :meth:`missing_actors` with the actor rows that exist.
    """

    def __init__(
        self,
        *,
        final_actions: Mapping[str, frozenset[str]],
        actions: frozenset[str] = frozenset(LedgerAction.values),
    ) -> None:
        self.final_actions = final_actions  # ledger kind → actions after which its rows may not change
        self.actions = actions
        self.final_at: dict[str, tuple[int, str]] = {}  # subject → (index, action) of its final entry
        self.actor_refs: dict[str, dict[int, int]] = {kind: {} for kind in ACTOR_KINDS}  # kind → pk → 1st index

    def check(self, index: int, fields: Mapping[str, Any], anchored: str | None) -> list[Problem]:
        problems: list[Problem] = []
        label = _entry_label(index)
        action, actor, subject = fields.get("action"), fields.get("actor"), str(fields.get("subject"))
        digests = fields.get("digests") if isinstance(fields.get("digests"), dict) else {}
        if action not in self.actions:
            problems.append(
                _problem(
                    ProblemKind.UNKNOWN_ACTION,
                    label,
                    f"账本条目 #{index} 的动作“{action}”不在规定的动作表中",
                    f"entry #{index}: action {action!r} is not in the LedgerAction vocabulary",
                    index,
                )
            )
        problems.extend(self._check_actor(index, actor))
        row = digests.get("row")
        if action in REANCHOR_ACTIONS and (anchored is None or digests.get("previous") != anchored):
            problems.append(
                _problem(
                    ProblemKind.REANCHOR_MISMATCH,
                    subject,
                    f"账本条目 #{index} 重新锚定 {subject},但其“previous”摘要与此前锚定的状态不符",
                    f"entry #{index} re-anchors {subject} but its previous digest is not the state anchored before",
                    index,
                )
            )
        final = self.final_at.get(subject)
        if final is not None and isinstance(row, str) and action not in REANCHOR_ACTIONS:
            final_index, final_action = final
            problems.append(
                _problem(
                    ProblemKind.CHANGED_AFTER_FINAL,
                    subject,
                    f"{subject} 在账本条目 #{final_index}({final_action})定稿后,又在条目 #{index}({action})"
                    "记录了新的状态(已封存的记录被改动)",
                    f"{subject} anchored a new state in entry #{index} ({action}) after its final entry "
                    f"#{final_index} ({final_action}): sealed record changed after sealing",
                    index,
                )
            )
        kind = subject.split(":", 1)[0]
        if final is None and action in self.final_actions.get(kind, frozenset()):
            self.final_at[subject] = (index, str(action))
        return problems

    def _check_actor(self, index: int, actor: Any) -> list[Problem]:
        if actor == SYSTEM_ACTOR:
            return []
        match = ACTOR_PATTERN.match(actor) if isinstance(actor, str) else None
        if match is None:
            return [
                _problem(
                    ProblemKind.UNKNOWN_ACTOR,
                    _entry_label(index),
                    f"账本条目 #{index} 的操作者“{actor}”格式不正确(应为 system、user:编号 或 device:编号)",
                    f"entry #{index}: actor {actor!r} is not system, user:N or device:N",
                    index,
                )
            ]
        self.actor_refs[match.group(1)].setdefault(int(match.group(2)), index)
        return []

    def missing_actors(self, existing: Mapping[str, set[int]]) -> list[Problem]:
        """One problem per referenced actor whose row is not among ``existing`` (kind → pks)."""
        problems: list[Problem] = []
        for kind, refs in self.actor_refs.items():
            present = existing.get(kind, set())
            for pk, index in sorted(refs.items(), key=lambda item: item[1]):
                if pk in present:
                    continue
                problems.append(
                    _problem(
                        ProblemKind.UNKNOWN_ACTOR,
                        f"{kind}:{pk}",
                        f"账本条目 #{index} 的操作者 {kind}:{pk} 不存在",
                        f"entry #{index}: actor {kind}:{pk} names no existing row",
                        index,
                    )
                )
        return problems


def entry_rule_problems(
    entries: Iterable[Mapping[str, Any]],
    *,
    final_actions: Mapping[str, frozenset[str]],
    existing_actors: Mapping[str, set[int]],
) -> list[Problem]:
    """Apply :class:`EntryRules` to ``entries`` (dicts of the five entry fields, numbered from 0)."""
    rules = EntryRules(final_actions=final_actions)
    anchors: dict[str, str] = {}
    problems: list[Problem] = []
    for index, fields in enumerate(entries):
        subject = str(fields.get("subject"))
        problems.extend(rules.check(index, fields, anchors.get(subject)))
        row = (fields.get("digests") or {}).get("row")
        if isinstance(row, str):
            anchors[subject] = row
    return problems + rules.missing_actors(existing_actors)


def final_actions_by_kind() -> dict[str, frozenset[str]]:
    """ledger kind → its model's ``ledger_final_actions``, for the kinds that declare any."""
    return {model.ledger_kind: model.ledger_final_actions for model in ledgered_models() if model.ledger_final_actions}


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
    def __init__(self, progress: Progress | None, checkpoints: Iterable[Checkpoint] = ()) -> None:
        self.progress = progress or (lambda phase, done, total: None)
        self.report = VerifyReport()
        self.anchors: dict[str, _Anchor] = {}
        self.blob_refs: dict[str, int] = {}  # blob sha256 → first entry index naming it
        self.rules = EntryRules(final_actions=final_actions_by_kind())
        self.witnessed: dict[int, list[Checkpoint]] = {}  # size → checkpoints claiming a root at that size
        for checkpoint in checkpoints:
            self.witnessed.setdefault(checkpoint.size, []).append(checkpoint)
        self.witness_mismatches: list[tuple[Checkpoint, bytes]] = []  # (checkpoint, recomputed root)
        self.witness_matched: set[int] = set()  # witnessed sizes whose root matched

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
        nodes = NodeAudit()
        # Every stored signed checkpoint is checked against the recomputed roots, like the witness below.
        signed = CheckpointAudit()
        signed.observe(0, merkle.EMPTY_ROOT)
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
            frontier, completed = merkle.frontier_push(frontier, stored_leaf, index)
            if not chain_broken:
                nodes.expect(completed)  # the stored interior nodes must be these merges (proofs read them)
            if not chain_broken:
                root = merkle.frontier_root(frontier)
                if root != _bytes(stored_root):
                    root_mismatches += 1
                    if first_root_mismatch is None:
                        first_root_mismatch = index
                if index + 1 in self.witnessed:
                    self._check_witnessed(index + 1, root)
                signed.observe(index + 1, root)
            fields = parsed if parsed is not None else columns
            anchor = self.anchors.get(str(fields.get("subject")))
            self.report.problems.extend(self.rules.check(index, fields, anchor.row_digest if anchor else None))
            self._remember(index, fields)
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
        if 0 in self.witnessed:
            self._check_witnessed(0, merkle.EMPTY_ROOT)
        self._report_witness(expected)
        for finding in signed.finish(expected):
            self.add(ProblemKind(finding.kind), finding.subject, finding.message_zh, finding.message_en, finding.index)
        self.report.checkpoints = signed.checked
        if not chain_broken:
            for node in nodes.finish(expected):
                self.add(ProblemKind.NODE_MISMATCH, node.subject, node.message_zh, node.message_en)
        self.report.problems.extend(self.rules.missing_actors(self._existing_actors()))

    # --- the witness --------------------------------------------------------------------------------

    def _check_witnessed(self, size: int, root: bytes) -> None:
        for checkpoint in self.witnessed[size]:
            if checkpoint.root != root:
                self.witness_mismatches.append((checkpoint, root))
            else:
                self.witness_matched.add(size)

    def _report_witness(self, size: int) -> None:
        if self.witness_mismatches:
            first, root = min(self.witness_mismatches, key=lambda item: (item[0].size, item[0].line))
            since = max((s for s in self.witness_matched if s < first.size), default=0)
            self.add(
                ProblemKind.WITNESS_MISMATCH,
                "witness",
                f"账本已被改写:见证文件第 {first.line} 行记录的 {first.size} 个条目时的树根({first.at})与重算结果不符,"
                f"共 {len(self.witness_mismatches)} 个见证点不符;改动位于条目 #{since}–#{first.size - 1} 之间",
                f"ledger rewritten: witness line {first.line} recorded root {first.root.hex()} at size {first.size} "
                f"({first.at}), the entries now give {root.hex()}; {len(self.witness_mismatches)} witnessed "
                f"checkpoint(s) differ; the change lies in entries #{since}..#{first.size - 1}",
                first.size - 1 if first.size else None,
            )
        beyond = [checkpoint for sizes in self.witnessed.values() for checkpoint in sizes if checkpoint.size > size]
        if beyond:
            largest = max(beyond, key=lambda checkpoint: (checkpoint.size, checkpoint.line))
            self.add(
                ProblemKind.LEDGER_SHRANK,
                "witness",
                f"账本被截短或改写:见证文件第 {largest.line} 行记录账本在 {largest.at} 已有 {largest.size} 个条目,"
                f"现在只有 {size} 个",
                f"ledger shrank/rewritten: witness line {largest.line} recorded {largest.size} entries at "
                f"{largest.at}, the ledger now has {size}",
                size,
            )

    def _existing_actors(self) -> dict[str, set[int]]:
        models_by_kind = {model.ledger_kind: model for model in ledgered_models()}
        existing: dict[str, set[int]] = {}
        for kind, refs in self.rules.actor_refs.items():
            model = models_by_kind.get(kind)
            if model is None or not refs:
                continue
            wanted = sorted(refs)
            found: set[int] = set()
            for start in range(0, len(wanted), CHUNK_ROWS):
                chunk = wanted[start : start + CHUNK_ROWS]
                found.update(model._base_manager.filter(pk__in=chunk).values_list("pk", flat=True))
            existing[kind] = found
        return existing

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
            # Byte-for-byte rfc8785.dumps (tested), at a third of its cost: it dominated verify's time per entry.
            canonical = canonical_json(parsed)
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
        from quancheng.evidence.models import Blob, BlobDisposal  # the ledger sits below the domain apps
        from quancheng.evidence.storage import get_blob_store

        store = get_blob_store()
        total_bytes = Blob.objects.aggregate(total=Sum("size"))["total"] or 0
        known: set[str] = set()
        # Bytes removed by retention disposal: the Blob row (anchored) says disposed_at and a disposal record
        # (anchored too) says what was removed and why, so their absence is no problem. Bytes still present are
        # checked as usual (removal follows the records).
        disposed = set(
            Blob.objects.filter(disposed_at__isnull=False)
            .filter(pk__in=BlobDisposal.objects.values("blob_id"))
            .values_list("sha256", flat=True)
        )
        for sha256, size in Blob.objects.order_by("pk").values_list("sha256", "size").iterator(chunk_size=CHUNK_ROWS):
            known.add(sha256)
            self._check_blob(store, sha256, size, total_bytes, disposed=sha256 in disposed)
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

    def _check_blob(self, store: Any, sha256: str, size: int, total_bytes: int, *, disposed: bool = False) -> None:
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
            if not disposed:
                self._missing_blob(subject)
            return
        except Exception as exc:  # S3 and other stores raise their own errors; decide by asking the store
            if not _store_has(store, sha256):
                if not disposed:
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


def _witness_verifier(progress: Progress | None, witness: Path | None) -> _Verifier:
    if witness is None:
        return _Verifier(progress)
    checkpoints, malformed = read_witness(witness)
    verifier = _Verifier(progress, checkpoints)
    verifier.report.witness = str(witness)
    verifier.report.witnessed = len(checkpoints)
    for bad in malformed:
        verifier.add(
            ProblemKind.WITNESS_MALFORMED,
            "witness",
            f"见证文件 {witness} 第 {bad.line} 行无法读取({bad.reason})",
            f"witness file {witness} line {bad.line} is unreadable ({bad.reason})",
        )
    return verifier


def verify(*, progress: Progress | None = None, witness: Path | None = None) -> VerifyReport:
    """Recompute the whole ledger, every anchored row and every blob; the report lists each problem.

    ``witness``: a witness file (``witness.py``) whose checkpoints the recomputed tree must match; ``None``
    checks none (``quancheng verify`` passes ``settings.QUANCHENG_LEDGER_WITNESS``). Nothing is written.
    """
    started = time.monotonic()
    verifier = _witness_verifier(progress, witness)
    with _read_snapshot():
        verifier.check_entries()
        verifier.check_rows()
        verifier.check_blobs()
    verifier.report.elapsed = time.monotonic() - started
    return verifier.report


def verify_tree(*, progress: Progress | None = None, witness: Path | None = None) -> VerifyReport:
    """Only the entries phase (chain, leaves, roots, head, entry rules, witness): what a checkpoint vouches for,
    without rereading every row and blob."""
    started = time.monotonic()
    verifier = _witness_verifier(progress, witness)
    with _read_snapshot():
        verifier.check_entries()
    verifier.report.elapsed = time.monotonic() - started
    return verifier.report


def verify_problems(*, progress: Progress | None = None, witness: Path | None = None) -> list[Problem]:
    """Just the problems (empty when everything is intact)."""
    return verify(progress=progress, witness=witness).problems


__all__ = [
    "EntryRules",
    "Problem",
    "ProblemKind",
    "Progress",
    "VerifyReport",
    "entry_rule_problems",
    "final_actions_by_kind",
    "ledgered_models",
    "verify",
    "verify_problems",
    "verify_tree",
]
