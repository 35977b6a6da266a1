"""Reads of the ledger.

Entries carry no personal data (actions, opaque ids, times and SHA-256 digests only), so any signed-in,
active user may read them: they are designed to be publishable as checkpoints and tiles. They are not
scoped by agency for that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from quancheng.core.errors import DomainError, ErrorCode

from . import merkle, tree
from .models import LedgerEntry, LedgerHead

# Largest page of entries one request may ask for (keeps responses and queries bounded).
MAX_ENTRIES_PAGE = 500
DEFAULT_ENTRIES_PAGE = 100


@dataclass(frozen=True)
class HeadView:
    size: int
    root: bytes
    updated_at: datetime | None


def _require_reader(user: AbstractBaseUser) -> None:
    if not user.is_authenticated or not user.is_active:
        raise DomainError(ErrorCode.UNAUTHENTICATED)


def ledger_head(*, user: AbstractBaseUser) -> HeadView:
    """Current tree size and root; an empty log has size 0 and the RFC 9162 empty root."""
    _require_reader(user)
    head = LedgerHead.objects.filter(pk=1).first()
    if head is None:
        return HeadView(size=0, root=merkle.EMPTY_ROOT, updated_at=None)
    return HeadView(size=head.size, root=bytes(head.root), updated_at=head.updated_at)


def ledger_entries(
    *, user: AbstractBaseUser, subject: str | None = None, offset: int = 0, limit: int = DEFAULT_ENTRIES_PAGE
) -> tuple[int, QuerySet[LedgerEntry]]:
    """A page of entries in index order, optionally for one subject; returns (total matching, page)."""
    _require_reader(user)
    if offset < 0 or not 1 <= limit <= MAX_ENTRIES_PAGE:
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"offset 不能为负,limit 须在 1 到 {MAX_ENTRIES_PAGE} 之间")
    entries = LedgerEntry.objects.order_by("index").defer("entry", "tree_root")
    if subject:
        entries = entries.filter(subject=subject)
    return entries.count(), entries[offset : offset + limit]


def inclusion_proof(*, index: int, size: int | None = None) -> tree.InclusionProof:
    """RFC 9162 inclusion proof of entry ``index`` in the tree of ``size`` entries (default: the current size).

    Public, like the hash tiles it could be computed from: a proof holds hashes only, and whoever holds a record
    or a bundle must be able to check it against a newer checkpoint without an account.
    """
    return tree.prove_inclusion(index, size)


def consistency_proof(*, old: int, new: int | None = None) -> tree.ConsistencyProof:
    """RFC 9162 consistency proof from the tree of ``old`` entries to ``new`` (default: the current size); public
    for the same reason as inclusion proofs."""
    return tree.prove_consistency(old, new)
