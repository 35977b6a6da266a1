"""API shapes of the ledger: public fields only, hashes as lowercase hex."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from quancheng.core.types import MAX_DB_INTEGER

from .selectors import DEFAULT_ENTRIES_PAGE, MAX_ENTRIES_PAGE


class HeadOut(Schema):
    size: int = Field(description="账本条目数(树的大小)")
    root: str = Field(description="RFC 9162 默克尔树根,十六进制")
    updated_at: datetime | None = Field(description="最近一次追加的时间")


class EntriesQuery(Schema):
    subject: str | None = Field(None, max_length=128, description="只看某一对象,例如 record:12")
    offset: int = Field(0, ge=0, le=MAX_DB_INTEGER)
    limit: int = Field(DEFAULT_ENTRIES_PAGE, ge=1, le=MAX_ENTRIES_PAGE)


class EntryOut(Schema):
    index: int
    action: str
    actor: str
    subject: str
    at: str
    digests: dict[str, str]
    leaf_hash: str = Field(description="叶哈希 SHA-256(0x00‖条目),十六进制")


class EntriesOut(Schema):
    total: int
    offset: int
    limit: int
    items: list[EntryOut]
