"""``verify`` checks every stored signed checkpoint: its note verifies with our key and names our origin, and its
root is the recomputed root at its size — so a tree rewritten below a checkpoint, or cut short of one, is caught
even when the database agrees with itself again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from quancheng.ledger import merkle, tree
from quancheng.ledger.checkpoints import make_checkpoint, signing_key
from quancheng.ledger.models import LedgerAction, LedgerCheckpoint, LedgerEntry, LedgerHead, LedgerNode
from quancheng.ledger.note import CheckpointBody, generate_signer, sign_checkpoint
from quancheng.ledger.services import entry_bytes, ledger_append
from quancheng.ledger.verify import ProblemKind, VerifyReport, verify

from .conftest import RunCommand, World, execute_sql, ledger_triggers_disabled

ORIGIN = "zf.example.gov.cn/quancheng"


@pytest.fixture(autouse=True)
def key_path(settings: Any, tmp_path: Path) -> Path:
    settings.QUANCHENG_LEDGER_KEY_FILE = tmp_path / "ledger-signing.key"
    settings.QUANCHENG_LOG_ORIGIN = ORIGIN
    return settings.QUANCHENG_LEDGER_KEY_FILE


def _event(subject: str) -> LedgerEntry:
    """An entry that anchors no row (so rewriting or deleting it disturbs nothing but the tree)."""
    with transaction.atomic():
        return ledger_append(action=LedgerAction.DEVICE_REGISTERED, actor=None, subject=subject, digests={})


def _kinds(report: VerifyReport) -> set[ProblemKind]:
    return {problem.kind for problem in report.problems}


def _only(report: VerifyReport, kind: ProblemKind) -> Any:
    assert _kinds(report) == {kind}, [str(p) for p in report.problems]
    assert len(report.problems) == 1
    return report.problems[0]


def _rewrite_roots_and_head() -> None:
    """Recompute every stored tree root, every interior node and the head from the stored leaves, as a careful
    attacker would."""
    frontier: merkle.Frontier = []
    nodes: list[tuple[int, int, bytes]] = []
    rows = LedgerEntry.objects.order_by("index").values_list("index", "leaf_hash", "tree_root")
    for index, leaf, stored in list(rows):
        frontier, completed = merkle.frontier_push(frontier, bytes(leaf), index)
        nodes.extend(completed)
        root = merkle.frontier_root(frontier)
        if root != bytes(stored):
            execute_sql('UPDATE ledger_ledgerentry SET tree_root = %s WHERE "index" = %s', [root, index])
    LedgerNode.objects.all().delete()
    tree.store_nodes(nodes)
    LedgerHead.objects.filter(pk=1).update(
        size=merkle.frontier_size(frontier),
        root=merkle.frontier_root(frontier),
        frontier=merkle.frontier_to_json(frontier),
    )


def _rewrite_entry_time(entry: LedgerEntry, at: str) -> None:
    """Change an entry's time, its bytes and leaf hash, then every later root and the head."""
    data = entry_bytes(action=entry.action, actor=entry.actor, subject=entry.subject, at=at, digests=entry.digests)
    with ledger_triggers_disabled():
        execute_sql(
            'UPDATE ledger_ledgerentry SET "at" = %s, entry = %s, leaf_hash = %s WHERE "index" = %s',
            [at, data, merkle.leaf_hash(data), entry.index],
        )
        _rewrite_roots_and_head()


def _set_note(checkpoint: LedgerCheckpoint, note: str) -> None:
    LedgerCheckpoint.objects.filter(pk=checkpoint.pk).update(note=note)


# --- intact -----------------------------------------------------------------------------------------------------


def test_intact_ledger_with_checkpoints_verifies(world: World) -> None:
    # given: checkpoints at several sizes, one of them twice
    first = make_checkpoint()
    _event("test:1")
    make_checkpoint()
    make_checkpoint(force=True)
    _event("test:2")
    # when
    report = verify()
    # then
    assert report.ok, [str(p) for p in report.problems]
    assert report.checkpoints == LedgerCheckpoint.objects.count() == 3
    assert report.size == first.size + 2


def test_verify_without_checkpoints_needs_no_key(world: World, key_path: Path) -> None:
    # when
    report = verify()
    # then
    assert report.ok, [str(p) for p in report.problems]
    assert report.checkpoints == 0
    assert not key_path.exists()  # verify never creates a signing key


# --- the note ---------------------------------------------------------------------------------------------------


def test_altered_checkpoint_note_is_caught(world: World) -> None:
    # given: the signed size changed in the stored note
    checkpoint = make_checkpoint()
    _set_note(checkpoint, checkpoint.note.replace(f"\n{checkpoint.size}\n", f"\n{checkpoint.size - 1}\n", 1))
    # when
    problem = _only(verify(), ProblemKind.CHECKPOINT_INVALID)
    # then
    assert problem.subject == f"checkpoint:{checkpoint.pk}"
    assert f"signed checkpoint #{checkpoint.pk} does not verify: invalid signature for key {ORIGIN}+" in (
        problem.message_en
    )
    assert "签名与正文不符" in problem.message_zh


def test_checkpoint_signed_by_another_key_is_caught(world: World) -> None:
    # given: a note of the same content, signed by another key bearing our name
    checkpoint = make_checkpoint()
    forged = sign_checkpoint(CheckpointBody(ORIGIN, checkpoint.size, bytes(checkpoint.root)), generate_signer(ORIGIN))
    _set_note(checkpoint, forged)
    # when
    problem = _only(verify(), ProblemKind.CHECKPOINT_INVALID)
    # then
    assert f"no signature by key {signing_key().verifier().label}" in problem.message_en


def test_checkpoint_of_another_origin_is_caught(world: World) -> None:
    # given: signed with our key, but the body names another log
    checkpoint = make_checkpoint()
    body = CheckpointBody("other.example/log", checkpoint.size, bytes(checkpoint.root))
    _set_note(checkpoint, sign_checkpoint(body, signing_key()))
    # when
    problem = _only(verify(), ProblemKind.CHECKPOINT_INVALID)
    # then
    assert "checkpoint is for log 'other.example/log'" in problem.message_en


def test_checkpoint_columns_that_differ_from_the_signed_note_are_caught(world: World) -> None:
    # given
    checkpoint = make_checkpoint()
    LedgerCheckpoint.objects.filter(pk=checkpoint.pk).update(root=b"\x00" * 32)
    # when
    problem = _only(verify(), ProblemKind.CHECKPOINT_INVALID)
    # then
    assert "columns differ from its signed text" in problem.message_en


def test_missing_key_file_is_reported_and_roots_are_still_compared(world: World, key_path: Path) -> None:
    # given: a checkpoint, then the key file gone, then the tree rewritten below it
    entry = _event("test:1")
    make_checkpoint()
    key_path.unlink()
    _rewrite_entry_time(entry, "2020-01-01T00:00:00.000000Z")
    # when
    report = verify()
    # then
    assert _kinds(report) == {ProblemKind.CHECKPOINT_INVALID, ProblemKind.CHECKPOINT_MISMATCH}
    assert any("signing key file" in p.message_en and "missing" in p.message_en for p in report.problems)
    assert not key_path.exists()


# --- the tree ---------------------------------------------------------------------------------------------------


def test_tree_rewritten_below_a_checkpoint_is_caught(world: World) -> None:
    # given: checkpoints before, across and after the entry that is then rewritten
    before = make_checkpoint()
    entry = _event("test:1")
    _event("test:2")
    across = make_checkpoint()
    _event("test:3")
    after = make_checkpoint()
    _rewrite_entry_time(entry, "2020-01-01T00:00:00.000000Z")
    # when
    report = verify()
    # then: the database agrees with itself; only the signed checkpoints disagree
    problem = _only(report, ProblemKind.CHECKPOINT_MISMATCH)
    assert problem.subject == f"checkpoint:{across.pk}"
    assert problem.index == across.size - 1
    assert f"has root {bytes(across.root).hex()} at size {across.size}" in problem.message_en
    assert "2 signed checkpoint(s) differ" in problem.message_en
    assert f"the change lies in entries #{before.size}..#{across.size - 1}" in problem.message_en
    assert after.size == across.size + 1


def test_ledger_cut_short_of_a_checkpoint_is_caught(world: World) -> None:
    # given: a checkpoint, then its last entry deleted and the head rewound
    last = _event("test:1")
    checkpoint = make_checkpoint()
    with ledger_triggers_disabled():
        execute_sql('DELETE FROM ledger_ledgerentry WHERE "index" = %s', [last.index])
        _rewrite_roots_and_head()
    # when
    problem = _only(verify(), ProblemKind.CHECKPOINT_BEYOND_TREE)
    # then
    assert problem.subject == f"checkpoint:{checkpoint.pk}"
    assert f"recorded {checkpoint.size} entries" in problem.message_en
    assert f"the ledger now has {checkpoint.size - 1}" in problem.message_en


def test_quancheng_verify_names_the_checkpoint(world: World, run_verify: RunCommand) -> None:
    # given
    entry = _event("test:1")
    checkpoint = make_checkpoint()
    _rewrite_entry_time(entry, "2020-01-01T00:00:00.000000Z")
    # when
    status, output = run_verify("--json")
    # then
    assert status == 1
    problems = json.loads(output)["problems"]
    assert [(p["kind"], p["subject"]) for p in problems] == [("checkpoint_mismatch", f"checkpoint:{checkpoint.pk}")]
