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


class InclusionQuery(Schema):
    index: int = Field(ge=0, le=MAX_DB_INTEGER, description="条目序号(从 0 起)")
    size: int | None = Field(None, ge=0, le=MAX_DB_INTEGER, description="树大小;省略时为账本当前大小")


class InclusionProofOut(Schema):
    index: int = Field(description="条目序号")
    size: int = Field(description="证明所对应的树大小")
    leaf_hash: str = Field(description="叶哈希 SHA-256(0x00‖条目),十六进制")
    root: str = Field(description="该树大小时的 RFC 9162 树根,十六进制")
    proof: list[str] = Field(description="RFC 9162 §2.1.3 包含证明(自叶向根),每项十六进制")


class ConsistencyQuery(Schema):
    old: int = Field(ge=0, le=MAX_DB_INTEGER, description="旧树大小(须大于 0)")
    new: int | None = Field(None, ge=0, le=MAX_DB_INTEGER, description="新树大小;省略时为账本当前大小")


class ConsistencyProofOut(Schema):
    old: int
    new: int
    old_root: str = Field(description="旧树根,十六进制")
    new_root: str = Field(description="新树根,十六进制")
    proof: list[str] = Field(description="RFC 9162 §2.1.4 一致性证明,每项十六进制;大小相同时为空")
