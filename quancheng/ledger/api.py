"""/api/v1/ledger: the log's head and its entries (proofs and checkpoints come later)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from quancheng.core.api import ERROR_RESPONSES

from . import selectors
from .schemas import EntriesOut, EntriesQuery, HeadOut

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
