"""The witness file catches consistent rewrites of the database that nothing inside it can see.

The two attacks of the review: (A) delete the last entry, undo what it recorded and rewind the head; (B) edit a
sealed record and rewrite its entries and every later tree root. Both leave a database that verifies as intact on
its own; both are caught once a witness of an earlier (size, root) exists.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from django.db import connection

from quancheng.accounts.models import User
from quancheng.ledger import merkle
from quancheng.ledger.models import LedgerAction, LedgerEntry, LedgerHead, LedgerNode
from quancheng.ledger.services import entry_bytes
from quancheng.ledger.tree import store_nodes
from quancheng.ledger.verify import ProblemKind, verify
from quancheng.ledger.witness import WITNESS_FILE_MODE, Checkpoint, MalformedLine, parse_line, read_witness
from quancheng.records import services as records
from quancheng.records.catalogue import get_kind
from quancheng.records.models import Record, RecordStatus
from quancheng.records.services import content_sha256
from quancheng.records.tests.helpers import example_content

from .conftest import RunCommand, World, execute_sql, ledger_triggers_disabled, run_command

# A kind made in the case's first stage that needs no party, place or activity time.
KIND = "complaint_registration"


@pytest.fixture
def sealed(world: World, zhangsan: User) -> Record:
    """A record drafted and sealed through the records services: its seal is the last ledger entry."""
    kind = get_kind(KIND)
    draft = records.record_draft(
        actor=zhangsan, case=world.record.case, kind=kind.code, content=example_content(kind, party_id=0)
    )
    return records.record_seal(actor=zhangsan, record=draft)


def _witness() -> None:
    status, output = run_command("witness")
    assert status == 0, output


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _json_param() -> str:
    return "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"


def _leaves() -> list[bytes]:
    return [bytes(leaf) for leaf in LedgerEntry.objects.order_by("index").values_list("leaf_hash", flat=True)]


def _rewrite_roots_and_head() -> None:
    """Recompute every stored tree root, the stored Merkle nodes and the head from the stored leaves, as a careful
    attacker would."""
    frontier: merkle.Frontier = []
    nodes: list[tuple[int, int, bytes]] = []
    rows = LedgerEntry.objects.order_by("index").values_list("index", "leaf_hash", "tree_root")
    for index, leaf, stored_root in list(rows):
        frontier, completed = merkle.frontier_push(frontier, bytes(leaf), index)
        nodes.extend(completed)
        root = merkle.frontier_root(frontier)
        if root != bytes(stored_root):
            execute_sql('UPDATE ledger_ledgerentry SET tree_root = %s WHERE "index" = %s', [root, index])
    LedgerNode.objects.all().delete()
    store_nodes(nodes)
    LedgerHead.objects.filter(pk=1).update(
        size=merkle.frontier_size(frontier),
        root=merkle.frontier_root(frontier),
        frontier=merkle.frontier_to_json(frontier),
    )


def _attack_a_unseal(record: Record) -> int:
    """Delete the last entry (the seal), put the record back to draft, rewind the head. Returns the new size."""
    last = LedgerEntry.objects.order_by("-index").first()
    assert (last.action, last.subject) == (LedgerAction.RECORD_SEALED, record.ledger_subject())
    with ledger_triggers_disabled():
        execute_sql('DELETE FROM ledger_ledgerentry WHERE "index" = %s', [last.index])
        # record_draft set updated_at = created_at; the row is now exactly what the drafted entry anchors.
        execute_sql(
            "UPDATE records_record SET status = %s, sealed_at = NULL, sealed_by_id = NULL, updated_at = created_at "
            "WHERE id = %s",
            [RecordStatus.DRAFT.value, record.pk],
        )
        _rewrite_roots_and_head()
    return last.index


def _attack_b_edit_sealed(record: Record, content: dict) -> None:
    """Change a sealed record's content and rewrite its entries (digests, bytes, leaf hash), then every later
    tree root and the head, so the database agrees with itself again."""
    execute_sql(f"UPDATE records_record SET content = {_json_param()} WHERE id = %s", [_json(content), record.pk])
    record.refresh_from_db()
    as_drafted = Record(**{f.attname: getattr(record, f.attname) for f in Record._meta.concrete_fields})
    as_drafted.status, as_drafted.sealed_at, as_drafted.sealed_by_id = RecordStatus.DRAFT, None, None
    as_drafted.updated_at = record.created_at
    states = {
        LedgerAction.RECORD_DRAFTED: as_drafted.ledger_digest(),
        LedgerAction.RECORD_SEALED: record.ledger_digest(),
    }
    with ledger_triggers_disabled():
        for entry in LedgerEntry.objects.filter(subject=record.ledger_subject()).order_by("index"):
            digests = {
                **entry.digests,
                "row": states[entry.action],
                "content": content_sha256(content, salt=record.ledger_salt),
            }
            data = entry_bytes(
                action=entry.action, actor=entry.actor, subject=entry.subject, at=entry.at, digests=digests
            )
            execute_sql(
                f"UPDATE ledger_ledgerentry SET digests = {_json_param()}, entry = %s, leaf_hash = %s "
                'WHERE "index" = %s',
                [_json(digests), data, merkle.leaf_hash(data), entry.index],
            )
        _rewrite_roots_and_head()


def _kinds(report) -> set[ProblemKind]:
    return {problem.kind for problem in report.problems}


# --- attack A: the last entry deleted and the head rewound -----------------------------------------------------


def test_attack_a_without_a_witness_is_not_caught(sealed: Record, ledger_witness: Path) -> None:
    """The honest limit: with no copy of an earlier root outside the database, a consistent rewind is invisible.
    This asserts the current limit so that it cannot change silently."""
    # given
    size = _attack_a_unseal(sealed)
    # when
    report = verify(witness=ledger_witness)
    # then
    assert not ledger_witness.exists()
    assert report.ok, [str(p) for p in report.problems]
    assert report.size == size
    assert Record.objects.get(pk=sealed.pk).status == RecordStatus.DRAFT


def test_attack_a_is_caught_by_an_earlier_witness(sealed: Record, run_verify: RunCommand, ledger_witness: Path) -> None:
    # given: the sealed state witnessed, then unsealed and rewound
    witnessed = LedgerHead.objects.get(pk=1).size
    _witness()
    size = _attack_a_unseal(sealed)
    # when
    status, output = run_verify()
    # then
    assert status == 1, output
    assert "[ledger_shrank] witness" in output
    assert f"ledger shrank/rewritten: witness line 1 recorded {witnessed} entries" in output
    assert f"the ledger now has {size}" in output
    assert _kinds(verify(witness=ledger_witness)) == {ProblemKind.LEDGER_SHRANK}


def test_attack_a_padded_back_to_the_witnessed_size_is_a_witness_mismatch(
    sealed: Record, zhangsan: User, ledger_witness: Path
) -> None:
    # given: after the rewind, a legitimate write brings the ledger back to the witnessed size
    witnessed = LedgerHead.objects.get(pk=1).size
    _witness()
    _attack_a_unseal(sealed)
    records.record_update_draft(actor=zhangsan, record=Record.objects.get(pk=sealed.pk), page_count=2)
    assert LedgerHead.objects.get(pk=1).size == witnessed
    # when
    report = verify(witness=ledger_witness)
    # then
    assert _kinds(report) == {ProblemKind.WITNESS_MISMATCH}
    assert f"at size {witnessed}" in report.problems[0].message_en


# --- attack B: a sealed record edited and its entries rewritten --------------------------------------------------


def test_attack_b_leaves_a_self_consistent_database(sealed: Record, ledger_witness: Path) -> None:
    # given
    _attack_b_edit_sealed(sealed, {**sealed.content, "content": "改写后的投诉内容"})
    # when
    report = verify(witness=ledger_witness)
    # then: without a witness nothing inside the database disagrees
    assert report.ok, [str(p) for p in report.problems]
    assert Record.objects.get(pk=sealed.pk).content["content"] == "改写后的投诉内容"


def test_attack_b_is_caught_by_an_earlier_witness(
    world: World, zhangsan: User, run_verify: RunCommand, ledger_witness: Path
) -> None:
    # given: a witness before the record existed and one after it was sealed
    _witness()
    before = LedgerHead.objects.get(pk=1).size
    kind = get_kind(KIND)
    draft = records.record_draft(
        actor=zhangsan, case=world.record.case, kind=kind.code, content=example_content(kind, party_id=0)
    )
    record = records.record_seal(actor=zhangsan, record=draft)
    _witness()
    after = LedgerHead.objects.get(pk=1).size
    # when: the sealed content is rewritten
    _attack_b_edit_sealed(record, {**record.content, "content": "改写后的投诉内容"})
    status, output = run_verify()
    # then: named as a rewrite, located between the two witnessed sizes
    assert status == 1, output
    assert "[witness_mismatch] witness" in output
    assert "witness line 2 recorded root" in output
    assert f"at size {after}" in output
    assert f"the change lies in entries #{before}..#{after - 1}" in output
    assert _kinds(verify(witness=ledger_witness)) == {ProblemKind.WITNESS_MISMATCH}
    # and nothing was appended to the witness while the ledger does not check out
    assert len(read_witness(ledger_witness)[0]) == 2


# --- the witness file --------------------------------------------------------------------------------------------


def test_verify_creates_the_witness_private_and_appends_the_verified_root(
    world: World, run_verify: RunCommand, ledger_witness: Path
) -> None:
    # when
    status, output = run_verify()
    # then
    assert status == 0, output
    head = LedgerHead.objects.get(pk=1)
    [checkpoint], malformed = read_witness(ledger_witness)
    assert malformed == []
    assert (checkpoint.size, checkpoint.root) == (head.size, bytes(head.root))
    assert stat.S_IMODE(os.stat(ledger_witness).st_mode) == WITNESS_FILE_MODE
    assert f"已追加 appended size {head.size}" in output


def test_verify_appends_only_when_the_tree_grew(
    world: World, zhangsan: User, run_verify: RunCommand, ledger_witness: Path
) -> None:
    # given
    run_verify()
    # when: verified again without a change, then after one more entry
    run_verify()
    lines_unchanged = ledger_witness.read_text().splitlines()
    kind = get_kind(KIND)
    records.record_draft(actor=zhangsan, case=world.record.case, kind=kind.code, content={})
    status, output = run_verify()
    # then
    assert status == 0, output
    assert len(lines_unchanged) == 1
    checkpoints, _ = read_witness(ledger_witness)
    assert [c.size for c in checkpoints] == [checkpoints[0].size, LedgerHead.objects.get(pk=1).size]
    assert checkpoints[1].size == checkpoints[0].size + 1
    assert "已核对 checked 1" in output


def test_no_witness_flag_checks_but_does_not_write(world: World, run_verify: RunCommand, ledger_witness: Path) -> None:
    status, output = run_verify("--no-witness")
    assert status == 0, output
    assert not ledger_witness.exists()


def test_nothing_is_witnessed_when_verification_fails(
    world: World, run_verify: RunCommand, ledger_witness: Path
) -> None:
    # given
    cert = world.certificate
    execute_sql("UPDATE accounts_certificate SET number = %s WHERE id = %s", [cert.number + "9", cert.pk])
    # when
    status, output = run_verify()
    # then
    assert status == 1, output
    assert not ledger_witness.exists()


def test_an_empty_ledger_is_not_witnessed(db, run_verify: RunCommand, ledger_witness: Path) -> None:
    status, output = run_verify()
    assert status == 0, output
    assert not ledger_witness.exists()


def test_a_malformed_witness_line_is_a_problem(world: World, run_verify: RunCommand, ledger_witness: Path) -> None:
    # given
    run_verify()
    with open(ledger_witness, "a") as stream:
        stream.write("not a checkpoint\n")
    # when
    status, output = run_verify("--json")
    # then
    data = json.loads(output)
    assert status == 1
    assert [(p["kind"], p["subject"]) for p in data["problems"]] == [("witness_malformed", "witness")]
    assert "line 2" in data["problems"][0]["message_en"]
    assert data["witness_appended"] is False


def test_witness_command_appends_and_refuses_a_tampered_tree(world: World, ledger_witness: Path) -> None:
    # given
    status, output = run_command("witness")
    assert status == 0, output
    size = LedgerHead.objects.get(pk=1).size
    assert [c.size for c in read_witness(ledger_witness)[0]] == [size]
    # when: an entry's bytes are changed
    target = LedgerEntry.objects.get(subject=world.certificate.ledger_subject())
    with ledger_triggers_disabled():
        execute_sql('UPDATE ledger_ledgerentry SET entry = %s WHERE "index" = %s', [b"{}", target.index])
    status, output = run_command("witness", "--json")
    # then: named, exit 1, nothing appended
    data = json.loads(output)
    assert status == 1
    assert data["witness_appended"] is False
    assert "leaf_hash_mismatch" in {p["kind"] for p in data["problems"]}
    assert len(read_witness(ledger_witness)[0]) == 1


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '{"size":3,"root":"' + "ab" * 32 + '","at":"2026-01-01T00:00:00.000000Z"}',
            Checkpoint(3, b"\xab" * 32, "2026-01-01T00:00:00.000000Z", 7),
        ),
        ("not json", MalformedLine(7, "not JSON")),
        ('{"size":3,"root":"' + "ab" * 32 + '"}', MalformedLine(7, "fields size, root, at expected")),
        ('{"size":-1,"root":"' + "ab" * 32 + '","at":""}', MalformedLine(7, "size is not a non-negative integer")),
        ('{"size":true,"root":"' + "ab" * 32 + '","at":""}', MalformedLine(7, "size is not a non-negative integer")),
        ('{"size":3,"root":"abc","at":""}', MalformedLine(7, "root is not 64 hex digits")),
        ('{"size":3,"root":"' + "zz" * 32 + '","at":""}', MalformedLine(7, "root is not 64 hex digits")),
        ('{"size":3,"root":"' + "ab" * 32 + '","at":5}', MalformedLine(7, "at is not a string")),
    ],
    ids=["valid", "not-json", "missing-at", "negative-size", "bool-size", "short-root", "non-hex-root", "at-not-text"],
)
def test_witness_lines_are_parsed_strictly(line: str, expected: Checkpoint | MalformedLine) -> None:
    assert parse_line(line, 7) == expected


def test_checkpoint_line_round_trips() -> None:
    checkpoint = Checkpoint(size=12, root=bytes(range(32)), at="2026-01-01T00:00:00.000000Z")
    assert parse_line(checkpoint.to_line().decode(), 1) == Checkpoint(12, bytes(range(32)), checkpoint.at, 1)
