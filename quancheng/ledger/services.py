"""Writes to the ledger. Only domain services call these, inside their own transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import rfc8785
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from . import merkle
from .models import LedgerAction, Ledgered, LedgerEntry, LedgerHead

SYSTEM_ACTOR = "system"


def actor_id(actor: object | None) -> str:
    """Stable, non-personal identifier of who acted: ``user:<pk>``, ``device:<pk>`` or ``system``."""
    if actor is None:
        return SYSTEM_ACTOR
    if isinstance(actor, str):
        return actor
    prefix = getattr(actor, "ledger_actor_prefix", "user")
    return f"{prefix}:{actor.pk}"


def entry_bytes(*, action: str, actor: str, subject: str, at: str, digests: dict[str, str]) -> bytes:
    """RFC 8785 canonical JSON of the five public fields; this is exactly what the leaf hashes."""
    return rfc8785.dumps({"action": action, "actor": actor, "subject": subject, "at": at, "digests": digests})


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
    frontier = merkle.frontier_append(merkle.frontier_from_json(head.frontier), leaf)
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
    head.size += 1
    head.root = root
    head.frontier = merkle.frontier_to_json(frontier)
    head.updated_at = timezone.now()
    head.save(update_fields=["size", "root", "frontier", "updated_at"])
    return entry


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
