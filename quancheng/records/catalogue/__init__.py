"""The catalogue of text-record kinds and the validation of their content (TEXT-01, domain-notes §1)."""

from __future__ import annotations

from quancheng.core.errors import DomainError, ErrorCode

from .kinds import KINDS, KINDS_BY_CODE, MAX_PAGE_COUNT, SEIZURE_MAX_TERM_DAYS
from .schema import (
    FIELD_TYPE_LABELS,
    NON_FIELD,
    Errors,
    FieldSpec,
    FieldType,
    RecordKind,
    first_messages,
    labels_of,
    validate_content,
    validate_field,
    validate_participants,
)

__all__ = [
    "FIELD_TYPE_LABELS",
    "KINDS",
    "KINDS_BY_CODE",
    "MAX_PAGE_COUNT",
    "NON_FIELD",
    "SEIZURE_MAX_TERM_DAYS",
    "Errors",
    "FieldSpec",
    "FieldType",
    "RecordKind",
    "first_messages",
    "get_kind",
    "labels_of",
    "validate_content",
    "validate_field",
    "validate_participants",
]


def get_kind(code: str) -> RecordKind:
    """The kind with this code, or UNKNOWN_RECORD_KIND (422) naming the code."""
    kind = KINDS_BY_CODE.get(code)
    if kind is None:
        raise DomainError(ErrorCode.UNKNOWN_RECORD_KIND, f"未知的记录类型“{code}”,请从文书目录中选择")
    return kind
