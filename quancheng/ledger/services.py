"""Writes to the ledger. Only domain services call these, inside their own transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import NamedTuple, NotRequired, TypedDict

import rfc8785
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from . import merkle, tree
from .models import LedgerAction, Ledgered, LedgerEntry, LedgerHead

SYSTEM_ACTOR = "system"
# C2SP tlog-tiles entry bundles prefix each entry with a big-endian uint16 length: a longer entry could be
# appended to the tree but never served, so it is refused.
MAX_ENTRY_BYTES = 0xFFFF


def actor_id(actor: object | None) -> str:
    """Stable, non-personal identifier of who acted: ``user:<pk>``, ``device:<pk>`` or ``system``."""
    if actor is None:
        return SYSTEM_ACTOR
    if isinstance(actor, str):
        return actor
    prefix = getattr(actor, "ledger_actor_prefix", "user")
    return f"{prefix}:{actor.pk}"


def _is_flat_text(fields: dict[str, object]) -> bool:
    """Only strings, and one level of string-to-string dicts with ASCII keys (what entries are made of).

    Exact types (not subclasses): anything unusual simply takes the reference path.
    """
    for key, value in fields.items():
        if type(key) is not str or not key.isascii():
            return False
        if type(value) is str:
            continue
        if type(value) is not dict:
            return False
        for inner_key, inner_value in value.items():
            if type(inner_key) is not str or type(inner_value) is not str or not inner_key.isascii():
                return False
    return True


def canonical_json(fields: dict[str, object]) -> bytes:
    """RFC 8785 canonical JSON of ``fields``.

    For an entry's shape (strings, and string-to-string dicts, with ASCII keys) compact, sorted-key ``json.dumps``
    without ASCII escaping writes exactly the RFC 8785 bytes, at a third of the cost: ASCII keys sort the same by
    code point as by UTF-16 code unit, and both escape only the quote, the backslash and the control characters
    (the short forms for backspace, form feed, newline, carriage return and tab, lowercase 4-digit unicode escapes
    for the others), writing everything else as UTF-8. Anything else, and text that is not valid UTF-8 (lone
    surrogates), goes through ``rfc8785``, which also refuses what it cannot carry.
    """
    if _is_flat_text(fields):
        try:
            return json.dumps(fields, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
        except UnicodeEncodeError:
            pass
    return rfc8785.dumps(fields)


def entry_bytes(*, action: str, actor: str, subject: str, at: str, digests: dict[str, str]) -> bytes:
    """RFC 8785 canonical JSON of the five public fields; this is exactly what the leaf hashes."""
    data = canonical_json({"action": action, "actor": actor, "subject": subject, "at": at, "digests": digests})
    if len(data) > MAX_ENTRY_BYTES:
        raise ValueError(f"ledger entry of {len(data)} bytes exceeds the {MAX_ENTRY_BYTES} bytes an entry bundle holds")
    return data


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _lock_head() -> LedgerHead:
    try:
        return LedgerHead.objects.select_for_update().get(pk=1)
    except LedgerHead.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            LedgerHead.objects.create(pk=1, size=0, root=merkle.EMPTY_ROOT, frontier=[])
    except IntegrityError:
        pass  # another writer created it first
    return LedgerHead.objects.select_for_update().get(pk=1)


def ledger_append(
    *,
    action: LedgerAction | str,
    actor: object | None,
    subject: str,
    digests: dict[str, str],
    at: datetime | None = None,
) -> LedgerEntry:
    """Append one entry; must run inside the caller's transaction so state and entry commit together."""
    if not connection.in_atomic_block:
        raise RuntimeError("ledger_append must be called inside transaction.atomic")
    head = _lock_head()
    at_text = format_time(at or timezone.now())
    actor_text = actor_id(actor)
    data = entry_bytes(action=str(action), actor=actor_text, subject=subject, at=at_text, digests=digests)
    leaf = merkle.leaf_hash(data)
    # The merges that fold the new leaf into the frontier are exactly the interior nodes it completes: store them,
    # so proofs and tiles read hashes instead of recomputing the tree.
    frontier, completed = merkle.frontier_push(merkle.frontier_from_json(head.frontier), leaf, head.size)
    root = merkle.frontier_root(frontier)
    entry = LedgerEntry(
        index=head.size,
        action=str(action),
        actor=actor_text,
        subject=subject,
        at=at_text,
        digests=digests,
        entry=data,
        leaf_hash=leaf,
        tree_root=root,
    )
    entry.save()
    tree.store_nodes(completed)
    head.size += 1
    head.root = root
    head.frontier = merkle.frontier_to_json(frontier)
    head.updated_at = timezone.now()
    head.save(update_fields=["size", "root", "frontier", "updated_at"])
    return entry


class LedgerItem(TypedDict):
    """One entry for :func:`ledger_append_many`: the keyword arguments of :func:`ledger_append`."""

    action: LedgerAction | str
    actor: object | None
    subject: str
    digests: dict[str, str]
    at: NotRequired[datetime | None]


class AppendedEntry(NamedTuple):
    """What :func:`ledger_append_many` wrote for one item (a light record: no model instance per entry)."""

    index: int
    at: str
    entry: bytes
    leaf_hash: bytes
    tree_root: bytes


_ENTRY_COLUMNS = ("index", "action", "actor", "subject", "at", "digests", "entry", "leaf_hash", "tree_root")


def _insert_entries(rows: list[tuple]) -> None:
    """INSERT the rows (``_ENTRY_COLUMNS`` order) directly.

    ``LedgerEntry``'s queryset refuses bulk_create because rows written in bulk would bypass the head; the only
    caller holds the head's lock and advances it with these rows in the same transaction. The ORM's per-object
    machinery is skipped on purpose: it costs more than hashing and canonicalising the entry together.
    """
    tree.insert_rows(LedgerEntry, _ENTRY_COLUMNS, rows)


def ledger_append_many(items: Iterable[LedgerItem]) -> list[AppendedEntry]:
    """Append several entries under one lock of the head, in order: the same entries, nodes and head as that many
    :func:`ledger_append` calls, written with one INSERT statement each for entries and nodes. Must run inside the
    caller's transaction (an error leaves nothing of the batch)."""
    if not connection.in_atomic_block:
        raise RuntimeError("ledger_append_many must be called inside transaction.atomic")
    items = list(items)
    if not items:
        return []
    head = _lock_head()
    now_text = format_time(timezone.now())
    # What LedgerEntry.digests (a JSONField without encoder) sends to the database, without the field machinery.
    adapt_json = connection.ops.adapt_json_value
    size = head.size
    frontier = merkle.frontier_from_json(head.frontier)
    appended: list[AppendedEntry] = []
    rows: list[tuple] = []
    nodes: list[tuple[int, int, bytes]] = []
    for item in items:
        action = str(item["action"])
        actor_text = actor_id(item["actor"])
        at = item.get("at")
        at_text = format_time(at) if at else now_text
        subject, digests = item["subject"], item["digests"]
        data = entry_bytes(action=action, actor=actor_text, subject=subject, at=at_text, digests=digests)
        leaf = merkle.leaf_hash(data)
        frontier, completed = merkle.frontier_push(frontier, leaf, size)
        nodes.extend(completed)
        root = merkle.frontier_root(frontier)
        rows.append((size, action, actor_text, subject, at_text, adapt_json(digests, None), data, leaf, root))
        appended.append(AppendedEntry(size, at_text, data, leaf, root))
        size += 1
    _insert_entries(rows)
    tree.store_nodes(nodes)
    head.size = size
    head.root = appended[-1].tree_root
    head.frontier = merkle.frontier_to_json(frontier)
    head.updated_at = timezone.now()
    head.save(update_fields=["size", "root", "frontier", "updated_at"])
    return appended


def ledger_record(
    *,
    action: LedgerAction,
    actor: object | None,
    obj: Ledgered,
    extra_digests: dict[str, str] | None = None,
) -> LedgerEntry:
    """Append an entry anchoring ``obj``'s current stored state (re-read so the digest is what verify sees)."""
    obj.refresh_from_db()
    digests = {"row": obj.ledger_digest(), **(extra_digests or {})}
    return ledger_append(action=action, actor=actor, subject=obj.ledger_subject(), digests=digests)
