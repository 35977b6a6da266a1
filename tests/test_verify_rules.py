"""The entry rules of ``verify``: actions from the vocabulary, actors that exist, nothing anchored for a row after
its final action (a sealed record, INTEGRITY-05), re-anchoring entries that continue the anchored state.

The rules are pure (``entry_rule_problems``), so most cases are a table; a few tests show ``verify`` applying them
to entries written through the real services.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from quancheng.accounts.models import User
from quancheng.ledger.models import LedgerAction
from quancheng.ledger.services import ledger_append, ledger_record
from quancheng.ledger.verify import ProblemKind, entry_rule_problems, final_actions_by_kind, verify
from quancheng.records import services as records
from quancheng.records.catalogue import get_kind
from quancheng.records.models import Record
from quancheng.records.tests.helpers import example_content

from .conftest import World

FINAL = {"record": frozenset({"record.sealed"})}
EXISTING = {"user": {1, 2}, "device": {7}}


def e(action: str, subject: str = "record:1", row: str | None = "r1", actor: str = "user:1", **digests: str) -> dict:
    """One entry's fields; ``row=None`` leaves out the row digest."""
    return {
        "action": action,
        "actor": actor,
        "subject": subject,
        "at": "2026-01-01T00:00:00.000000Z",
        "digests": ({"row": row} if row is not None else {}) | digests,
    }


SALT = LedgerAction.LEDGER_SALT_ADDED.value

CASES: list[tuple[str, list[dict[str, Any]], list[tuple[ProblemKind, int]]]] = [
    # (id, entries, expected (kind, index) problems)
    ("draft-edit-seal", [e("record.drafted"), e("record.updated", row="r2"), e("record.sealed", row="r3")], []),
    ("unknown-action", [e("record.deleted")], [(ProblemKind.UNKNOWN_ACTION, 0)]),
    ("system-actor", [e("agency.saved", "agency:1", actor="system")], []),
    ("existing-device", [e("media.ingested", "media:1", actor="device:7")], []),
    ("missing-user", [e("record.drafted"), e("record.updated", actor="user:3")], [(ProblemKind.UNKNOWN_ACTOR, 1)]),
    ("missing-device", [e("media.ingested", "media:1", actor="device:8")], [(ProblemKind.UNKNOWN_ACTOR, 0)]),
    (
        "missing-user-once",
        [e("record.drafted", actor="user:9"), e("record.updated", actor="user:9")],
        [(ProblemKind.UNKNOWN_ACTOR, 0)],
    ),
    ("malformed-actor", [e("record.drafted", actor="root")], [(ProblemKind.UNKNOWN_ACTOR, 0)]),
    ("leading-zero-actor", [e("record.drafted", actor="user:01")], [(ProblemKind.UNKNOWN_ACTOR, 0)]),
    (
        "changed-after-seal",
        [e("record.drafted"), e("record.sealed", row="r2"), e("record.updated", row="r3")],
        [(ProblemKind.CHANGED_AFTER_FINAL, 2)],
    ),
    (
        "sealed-twice",
        [e("record.drafted"), e("record.sealed", row="r2"), e("record.sealed", row="r2")],
        [(ProblemKind.CHANGED_AFTER_FINAL, 2)],
    ),
    (
        "event-without-row-after-seal",
        [e("record.sealed"), e("record.signed", row=None, content="c1")],
        [],
    ),
    (
        "signature-is-its-own-subject",
        [e("record.sealed"), e("record.signed", "signature:1", row="s1", content="c1")],
        [],
    ),
    (
        "correction-is-a-new-subject",
        [e("record.sealed"), e("record.corrected", "record:2", row="n1", supersedes="r1")],
        [],
    ),
    (
        "final-only-for-its-kind",
        [e("record.sealed", "case:1"), e("case.stage_changed", "case:1", row="c2")],
        [],
    ),
    (
        "salt-reanchor-after-seal",
        [e("record.sealed"), e(SALT, row="r1-salted", actor="system", previous="r1")],
        [],
    ),
    (
        "salt-reanchor-from-wrong-state",
        [e("record.sealed"), e(SALT, row="r9-salted", actor="system", previous="r9")],
        [(ProblemKind.REANCHOR_MISMATCH, 1)],
    ),
    (
        "salt-reanchor-without-anchor",
        [e(SALT, "party:1", row="p1", actor="system", previous="p0")],
        [(ProblemKind.REANCHOR_MISMATCH, 0)],
    ),
    (
        "edit-after-salted-seal",
        [e("record.sealed"), e(SALT, row="r1s", actor="system", previous="r1"), e("record.updated", row="r2")],
        [(ProblemKind.CHANGED_AFTER_FINAL, 2)],
    ),
]


@pytest.mark.parametrize(("entries", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_entry_rules(entries: list[dict[str, Any]], expected: list[tuple[ProblemKind, int]]) -> None:
    problems = entry_rule_problems(entries, final_actions=FINAL, existing_actors=EXISTING)
    assert [(p.kind, p.index) for p in problems] == expected
    assert all(p.message_zh and p.message_en for p in problems)


def test_records_declare_sealing_final() -> None:
    assert final_actions_by_kind() == {"record": frozenset({LedgerAction.RECORD_SEALED.value})}


# --- verify applies them -------------------------------------------------------------------------------------------


def _sealed_record(world: World, actor: User) -> Record:
    kind = get_kind("complaint_registration")
    draft = records.record_draft(
        actor=actor, case=world.record.case, kind=kind.code, content=example_content(kind, party_id=0)
    )
    return records.record_seal(actor=actor, record=draft)


def test_a_sealed_record_changed_and_re_anchored_is_caught(world: World, zhangsan: User) -> None:
    # given: a sealed record edited behind the services' back, then anchored again as if it were a draft edit —
    # the row matches its latest entry, so only the finality rule can tell
    record = _sealed_record(world, zhangsan)
    Record.objects.filter(pk=record.pk).update(place="改写的地点")
    with transaction.atomic():
        entry = ledger_record(action=LedgerAction.RECORD_UPDATED, actor=zhangsan, obj=record)
    # when
    problems = verify().problems
    # then
    assert [(p.kind, p.subject, p.index) for p in problems] == [
        (ProblemKind.CHANGED_AFTER_FINAL, record.ledger_subject(), entry.index)
    ]
    assert "sealed record changed after sealing" in problems[0].message_en


def test_sealing_and_correcting_through_the_services_verifies(world: World, zhangsan: User) -> None:
    # given: a correction is a new record; nothing is anchored again for the sealed original
    record = _sealed_record(world, zhangsan)
    records.record_correct(actor=zhangsan, record=record, content={**record.content, "content": "更正"}, reason="笔误")
    # when / then
    assert verify().problems == []


def test_unknown_action_and_actor_in_the_ledger_are_caught(world: World) -> None:
    # given
    with transaction.atomic():
        odd = ledger_append(action="record.deleted", actor=None, subject="note:1", digests={})
        ghost = ledger_append(action=LedgerAction.RECORD_UPDATED, actor="user:987654", subject="note:2", digests={})
    # when
    problems = verify().problems
    # then
    assert [(p.kind, p.index) for p in problems] == [
        (ProblemKind.UNKNOWN_ACTION, odd.index),
        (ProblemKind.UNKNOWN_ACTOR, ghost.index),
    ]
    assert problems[1].subject == "user:987654"
