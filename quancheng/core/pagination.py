"""Limit/offset pagination whose parameters are bounded by what the database accepts.

ninja's own ``LimitOffsetPagination`` lets ``?offset=99999999999999999999`` through to the query, where SQLite
fails with "datatype mismatch" and PostgreSQL with "bigint out of range" (a 500). Bounded here, it is a 422.
"""

from __future__ import annotations

from ninja import Field, Schema
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination as NinjaLimitOffsetPagination

from .types import MAX_DB_INTEGER


class LimitOffsetPagination(NinjaLimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(ninja_settings.PAGINATION_PER_PAGE, ge=1, le=MAX_DB_INTEGER, description="每页条数")
        offset: int = Field(0, ge=0, le=MAX_DB_INTEGER, description="跳过的条数")
