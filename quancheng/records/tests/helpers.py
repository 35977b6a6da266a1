"""Ledger assertions for record tests."""

from __future__ import annotations

from typing import Any

from quancheng.ledger.models import LedgerAction, Ledgered, LedgerEntry
from quancheng.records.models import Record
from quancheng.records.services import content_sha256


def entries_since(index: int) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(index__gte=index).order_by("index"))


def assert_entry(entry: LedgerEntry, action: LedgerAction, obj: Ledgered, content: Any) -> None:
    """The entry anchors ``obj``'s stored state and ``content`` (salted with its record's salt) under ``action``."""
    obj.refresh_from_db()
    record = obj if isinstance(obj, Record) else obj.record
    assert entry.action == action
    assert entry.subject == obj.ledger_subject()
    assert entry.digests["row"] == obj.ledger_digest()
    assert entry.digests["content"] == content_sha256(content, salt=record.ledger_salt)


def example_value(spec: Any, *, party_id: int) -> Any:
    """A valid, filled-in value for a catalogue field, derived from its type alone."""
    from quancheng.records.catalogue import FieldType

    kind = spec.type
    if kind == FieldType.TEXT:
        return spec.label[: spec.max_length or None]
    if kind == FieldType.DATETIME:
        return "2026-03-01T09:30:00+08:00"
    if kind == FieldType.DATE:
        return "2026-03-01"
    if kind == FieldType.INTEGER:
        return spec.min_value if spec.min_value is not None else 1
    if kind == FieldType.MONEY:
        return "200.00"
    if kind == FieldType.BOOLEAN:
        return True
    if kind == FieldType.CHOICE:
        return spec.choices[0][0]
    if kind == FieldType.CHOICES:
        return [spec.choices[0][0]]
    if kind == FieldType.TEXT_LIST:
        return [spec.label]
    if kind == FieldType.PARTY:
        return party_id
    if kind == FieldType.ROWS:
        return [{column.name: example_value(column, party_id=party_id) for column in spec.columns}]
    raise AssertionError(kind)


def example_content(kind: Any, *, party_id: int) -> dict[str, Any]:
    """Every field of ``kind`` filled in."""
    return {spec.name: example_value(spec, party_id=party_id) for spec in kind.fields}


def interviewee_signs(record: Any, *, actor: Any, image: str, page: int | None = 1) -> Any:
    """The interviewee 陈某 signs ``page`` of ``record`` by hand (the common case of the signature tests)."""
    from quancheng.records import services
    from quancheng.records.models import PersonRole, SignatureMethod

    return services.signature_add(
        actor=actor,
        record=record,
        signer_name="陈某",
        signer_role=PersonRole.INTERVIEWEE,
        method=SignatureMethod.HANDWRITTEN,
        page=page,
        image_sha256=image,
    )
