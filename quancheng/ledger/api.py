"""/api/v1/ledger: the log's head, its entries, and RFC 9162 proofs (hashes as lowercase hex throughout)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from quancheng.core.api import ERROR_RESPONSES

from . import selectors
from .schemas import (
    ConsistencyProofOut,
    ConsistencyQuery,
    EntriesOut,
    EntriesQuery,
    HeadOut,
    InclusionProofOut,
    InclusionQuery,
)

router = Router(tags=["ledger"])


@router.get("/head", response={200: HeadOut, **ERROR_RESPONSES}, summary="账本当前大小与树根")
def get_head(request: HttpRequest) -> dict[str, Any]:
    head = selectors.ledger_head(user=request.auth)
    return {"size": head.size, "root": head.root.hex(), "updated_at": head.updated_at}


@router.get("/entries", response={200: EntriesOut, **ERROR_RESPONSES}, summary="账本条目(不含个人信息)")
def list_entries(request: HttpRequest, query: Query[EntriesQuery]) -> dict[str, Any]:
    total, page = selectors.ledger_entries(
        user=request.auth, subject=query.subject, offset=query.offset, limit=query.limit
    )
    items = [
        {
            "index": entry.index,
            "action": entry.action,
            "actor": entry.actor,
            "subject": entry.subject,
            "at": entry.at,
            "digests": entry.digests,
            "leaf_hash": bytes(entry.leaf_hash).hex(),
        }
        for entry in page
    ]
    return {"total": total, "offset": query.offset, "limit": query.limit, "items": items}


@router.get(
    "/proofs/inclusion",
    auth=None,
    response={200: InclusionProofOut, **ERROR_RESPONSES},
    summary="条目包含证明(RFC 9162,公开)",
)
def get_inclusion_proof(request: HttpRequest, query: Query[InclusionQuery]) -> dict[str, Any]:
    proof = selectors.inclusion_proof(index=query.index, size=query.size)
    return {
        "index": proof.index,
        "size": proof.size,
        "leaf_hash": proof.leaf_hash.hex(),
        "root": proof.root.hex(),
        "proof": [value.hex() for value in proof.proof],
    }


@router.get(
    "/proofs/consistency",
    auth=None,
    response={200: ConsistencyProofOut, **ERROR_RESPONSES},
    summary="一致性证明(RFC 9162,公开)",
)
def get_consistency_proof(request: HttpRequest, query: Query[ConsistencyQuery]) -> dict[str, Any]:
    proof = selectors.consistency_proof(old=query.old, new=query.new)
    return {
        "old": proof.old,
        "new": proof.new,
        "old_root": proof.old_root.hex(),
        "new_root": proof.new_root.hex(),
        "proof": [value.hex() for value in proof.proof],
    }
