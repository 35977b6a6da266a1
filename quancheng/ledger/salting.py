"""Give existing rows their own ``ledger_salt`` when a migration adds the field, and re-anchor them.

``AddField`` with a callable default evaluates it once, so every existing row would share one salt; and the
salt is part of the row digest, so every existing row would stop matching its ledger entry. Each app's
``*_ledger_salt`` migration therefore calls :func:`salt_existing_rows`, which, per row:

1. recomputes the digest the row had *before* the field existed (its snapshot without ``ledger_salt``);
2. gives it a fresh random salt;
3. if that old digest equals the row's latest anchor in the ledger, appends a ``ledger.salt_added`` entry
   (actor ``system``) anchoring the new digest, with ``digests["previous"]`` = the old one. ``verify``
   accepts such an entry only when ``previous`` continues the anchored state.

A row that did *not* match its anchor (changed behind the services' back) is salted but not re-anchored: it
keeps failing ``verify`` as a changed row. The migration never blesses tampering.

Reversing such a migration drops the salts, but the re-anchoring entries stay (the ledger is append-only), so
every re-anchored row would then fail ``verify``: the migrations are not meant to be rolled back in production.

Migrations pass the models' ``ledger_kind`` and ``ledger_exclude`` as literals (frozen like the rest of a
migration), because historical models lack the ``Ledgered`` class attributes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import rfc8785
from django.db import models
from django.utils import timezone

from . import merkle
from .models import LedgerAction, new_ledger_salt, row_snapshot, sha256_hex
from .services import SYSTEM_ACTOR, entry_bytes, format_time
from .tree import node_key

SALT_FIELD = "ledger_salt"

SaltSpec = tuple[str, frozenset[str]]
"""(ledger_kind, ledger_exclude) of one model."""


def _digest(row: models.Model, exclude: frozenset[str]) -> str:
    return sha256_hex(rfc8785.dumps(row_snapshot(row, exclude)))


def _latest_row_digests(entry_model: type[models.Model], kind: str) -> dict[str, str]:
    """subject → ``digests["row"]`` of its latest anchoring entry, read from the hashed bytes."""
    latest: dict[str, str] = {}
    rows = (
        entry_model._base_manager.filter(subject__startswith=f"{kind}:")
        .order_by("index")
        .values_list("subject", "entry")
        .iterator(chunk_size=2000)
    )
    for subject, data in rows:
        try:
            digests = json.loads(bytes(data).decode("utf-8")).get("digests")
        except (UnicodeDecodeError, ValueError, AttributeError):
            continue  # verify reports the malformed entry; nothing here can be re-anchored on it
        if isinstance(digests, dict) and isinstance(digests.get("row"), str):
            latest[subject] = digests["row"]
    return latest


class _Appender:
    """Appends entries under the locked head, like ``ledger_append`` but with historical models."""

    def __init__(self, apps: Any) -> None:
        self.entry_model = apps.get_model("ledger", "LedgerEntry")
        self.head_model = apps.get_model("ledger", "LedgerHead")
        # Interior Merkle nodes are stored from ledger 0004 on; when this runs before it, 0004's backfill stores them.
        try:
            self.node_model: Any = apps.get_model("ledger", "LedgerNode")
        except LookupError:
            self.node_model = None
        self.head: Any = None
        self.frontier: merkle.Frontier = []

    def append(self, *, subject: str, digests: dict[str, str], action: str = LedgerAction.LEDGER_SALT_ADDED) -> None:
        if self.head is None:
            # An anchor exists, so an entry exists, so the head exists (ledger_append creates it first).
            self.head = self.head_model._base_manager.select_for_update().get(pk=1)
            self.frontier = merkle.frontier_from_json(self.head.frontier)
        action = str(action)
        at = format_time(timezone.now())
        data = entry_bytes(action=action, actor=SYSTEM_ACTOR, subject=subject, at=at, digests=digests)
        leaf = merkle.leaf_hash(data)
        self.frontier, completed = merkle.frontier_push(self.frontier, leaf, self.head.size)
        root = merkle.frontier_root(self.frontier)
        if self.node_model is not None:
            self.node_model._base_manager.bulk_create(
                self.node_model(key=node_key(level, index), level=level, index=index, hash=value)
                for level, index, value in completed
            )
        self.entry_model._base_manager.create(
            index=self.head.size,
            action=action,
            actor=SYSTEM_ACTOR,
            subject=subject,
            at=at,
            digests=digests,
            entry=data,
            leaf_hash=leaf,
            tree_root=root,
        )
        self.head.size += 1
        self.head.root = root

    def finish(self) -> None:
        if self.head is None:
            return
        self.head.frontier = merkle.frontier_to_json(self.frontier)
        self.head.updated_at = timezone.now()
        # One UPDATE that grows the size: the PostgreSQL trigger of ledger 0003 allows exactly that.
        self.head.save(update_fields=["size", "root", "frontier", "updated_at"])


def salt_existing_rows(apps: Any, *, app_label: str, specs: Mapping[str, SaltSpec]) -> int:
    """Salt every existing row of ``app_label``'s models named in ``specs`` (model name → (kind, exclude)).

    Runs inside the migration's transaction. Returns the number of ``ledger.salt_added`` entries appended.
    """
    appender = _Appender(apps)
    appended = 0
    for model_name, (kind, exclude) in specs.items():
        model = apps.get_model(app_label, model_name)
        if not model._base_manager.exists():
            continue
        anchors = _latest_row_digests(appender.entry_model, kind)
        old_exclude = frozenset(exclude) | {SALT_FIELD}
        for row in model._base_manager.order_by("pk").iterator(chunk_size=2000):
            before = _digest(row, old_exclude)
            row.ledger_salt = new_ledger_salt()
            model._base_manager.filter(pk=row.pk).update(ledger_salt=row.ledger_salt)
            subject = f"{kind}:{row.pk}"
            if anchors.get(subject) != before:
                continue
            appender.append(subject=subject, digests={"row": _digest(row, frozenset(exclude)), "previous": before})
            appended += 1
    appender.finish()
    return appended


def reanchor_after_schema_change(
    apps: Any,
    *,
    app_label: str,
    model_name: str,
    kind: str,
    exclude: frozenset[str],
    added_fields: frozenset[str],
    fill: Callable[[Any], None] | None = None,
) -> int:
    """After a migration adds ``added_fields`` to a ledgered model (and ``fill`` sets them on each existing row from
    what the row already says, e.g. a case's step from its stage), re-anchor every row whose state *without* those
    fields still matches its latest anchor: a ``ledger.schema_migrated`` entry (actor ``system``) with the new
    digest and ``digests["previous"]`` = the old one. A row that no longer matched its anchor (changed behind the
    services' back) is filled but not re-anchored: it keeps failing ``verify``. Returns the entries appended."""
    appender = _Appender(apps)
    model = apps.get_model(app_label, model_name)
    appended = 0
    if model._base_manager.exists():
        anchors = _latest_row_digests(appender.entry_model, kind)
        for row in model._base_manager.order_by("pk").iterator(chunk_size=2000):
            before = _digest(row, frozenset(exclude) | added_fields)
            if fill is not None:
                fill(row)
                row.save(update_fields=sorted(added_fields))
            subject = f"{kind}:{row.pk}"
            if anchors.get(subject) != before:
                continue
            appender.append(
                subject=subject,
                digests={"row": _digest(row, frozenset(exclude)), "previous": before},
                action=LedgerAction.LEDGER_SCHEMA_MIGRATED,
            )
            appended += 1
    appender.finish()
    return appended


__all__ = ["SALT_FIELD", "SaltSpec", "reanchor_after_schema_change", "salt_existing_rows"]
