"""``quancheng verify`` names each kind of tampering and exits 1 (issue 2: changed row, missing row, changed
or missing blob, broken chain)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection, transaction

from quancheng.accounts.models import Unit
from quancheng.ledger import merkle
from quancheng.ledger.models import LedgerAction, LedgerEntry, LedgerHead
from quancheng.ledger.services import ledger_append
from quancheng.records.models import Record

from .conftest import RunCommand, World, execute_sql, ledger_triggers_disabled


def _execute(sql: str, params: list[Any]) -> None:
    execute_sql(sql, params)


def _delete_entry(index: int) -> None:
    with ledger_triggers_disabled():
        _execute('DELETE FROM ledger_ledgerentry WHERE "index" = %s', [index])


def _assert_fails_naming(output: str, status: int, *needles: str) -> None:
    assert status == 1, output
    for needle in needles:
        assert needle in output, f"{needle!r} not in:\n{output}"


def test_changed_certificate_number_is_a_changed_row(world: World, run_verify: RunCommand) -> None:
    # given: one byte of the certificate number changed behind the services' back
    cert = world.certificate
    _execute("UPDATE accounts_certificate SET number = %s WHERE id = %s", [cert.number[:-1] + "9", cert.pk])
    # when
    status, output = run_verify()
    # then
    _assert_fails_naming(output, status, "[changed_row]", f"certificate:{cert.pk}")


def test_changed_record_content_is_a_changed_row(world: World, run_verify: RunCommand) -> None:
    # given: the stored JSON content of a record edited in place
    record = world.record
    changed = json.dumps({**record.content, "检查情况": "货架上有过期食品二件"}, ensure_ascii=False)
    value = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    _execute(f"UPDATE records_record SET content = {value} WHERE id = %s", [changed, record.pk])
    assert Record.objects.get(pk=record.pk).content["检查情况"] == "货架上有过期食品二件"
    # when
    status, output = run_verify()
    # then
    _assert_fails_naming(output, status, "[changed_row]", f"record:{record.pk}")


def test_changed_byte_in_blob_file_is_a_changed_blob(world: World, run_verify: RunCommand) -> None:
    # given
    with open(world.blob_path, "r+b") as stored:
        first = stored.read(1)
        stored.seek(0)
        stored.write(bytes([first[0] ^ 0x01]))
    # when
    status, output = run_verify()
    # then
    _assert_fails_naming(output, status, "[changed_blob]", f"blob:{world.blob.sha256}")


def test_deleted_blob_file_is_a_missing_blob(world: World, run_verify: RunCommand) -> None:
    world.blob_path.unlink()
    status, output = run_verify()
    _assert_fails_naming(output, status, "[missing_blob]", f"blob:{world.blob.sha256}")


def test_deleted_ledger_row_in_the_middle_breaks_the_chain(world: World, run_verify: RunCommand) -> None:
    # given
    middle = LedgerEntry.objects.count() // 2
    _delete_entry(middle)
    # when
    status, output = run_verify()
    # then
    _assert_fails_naming(output, status, "[broken_chain]", f"ledger#{middle}", f"broken chain: index {middle} missing")


def test_deleted_last_ledger_row_breaks_the_chain(world: World, run_verify: RunCommand) -> None:
    # given: the survivors have no gap; only the head remembers the last entry
    last = LedgerEntry.objects.count() - 1
    _delete_entry(last)
    # when
    status, output = run_verify()
    # then
    _assert_fails_naming(output, status, "[broken_chain]", f"broken chain: index {last} missing")


def test_changed_entry_byte_is_caught(world: World, run_verify: RunCommand) -> None:
    # given: one digit of an entry's time changed in its stored bytes (still valid, canonical JSON)
    target = LedgerEntry.objects.get(subject=world.certificate.ledger_subject())
    data = bytearray(bytes(target.entry))
    position = data.index(b'"at":"') + len(b'"at":"') + 3  # the last digit of the year
    data[position] = ord("0") if data[position] != ord("0") else ord("1")
    with ledger_triggers_disabled():
        _execute('UPDATE ledger_ledgerentry SET entry = %s WHERE "index" = %s', [bytes(data), target.index])
    # when
    status, output = run_verify()
    # then
    _assert_fails_naming(output, status, "[leaf_hash_mismatch]", f"ledger#{target.index}")


def test_changed_leaf_and_root_columns_are_caught(world: World, run_verify: RunCommand) -> None:
    # given: an entry rewritten with matching bytes and leaf hash, but the later tree roots and the head left as
    # they were. (Recomputing those too makes the database consistent again: only a witness kept outside it
    # catches that — tests/test_verify_witness.py.)
    target = LedgerEntry.objects.get(subject=world.certificate.ledger_subject())
    data = bytes(target.entry).replace(b"certificate.saved", b"certificate.revoked")
    with ledger_triggers_disabled():
        _execute(
            'UPDATE ledger_ledgerentry SET entry = %s, action = %s, leaf_hash = %s WHERE "index" = %s',
            [data, "certificate.revoked", merkle.leaf_hash(data), target.index],
        )
    # when
    status, output = run_verify()
    # then
    _assert_fails_naming(output, status, "[tree_root_mismatch]", f"ledger#{target.index}", "[head_mismatch]")


def test_deleted_domain_row_is_a_missing_row(world: World, run_verify: RunCommand) -> None:
    # given: lisi's role assignment removed by raw SQL
    _execute("DELETE FROM accounts_roleassignment WHERE id = %s", [world.role.pk])
    # when
    status, output = run_verify()
    # then
    _assert_fails_naming(output, status, "[missing_row]", f"role:{world.role.pk}")


def test_row_written_without_ledger_entry_is_reported(world: World, run_verify: RunCommand) -> None:
    # given: a unit created through the ORM, skipping the service and its ledger entry
    unit = Unit.objects.create(agency=world.certificate.holder.agency, name="法制科")
    # when
    status, output = run_verify()
    # then
    _assert_fails_naming(output, status, "[row_not_in_ledger]", f"unit:{unit.pk}")


def test_entry_naming_an_unknown_blob_is_a_missing_blob(world: World, run_verify: RunCommand) -> None:
    # given
    ghost = "ab" * 32
    with transaction.atomic():
        entry = ledger_append(action=LedgerAction.MEDIA_ATTACHED, actor=None, subject="note:1", digests={"blob": ghost})
    # when
    status, output = run_verify()
    # then
    _assert_fails_naming(output, status, "[missing_blob]", f"blob:{ghost}", f"entry #{entry.index}")


def test_tampered_head_root_is_caught(world: World, run_verify: RunCommand) -> None:
    with ledger_triggers_disabled():  # on PostgreSQL the head may only grow
        LedgerHead.objects.filter(pk=1).update(root=b"\x00" * 32)
    status, output = run_verify()
    _assert_fails_naming(output, status, "[head_mismatch]")


def test_every_problem_is_listed_once_in_json(world: World, run_verify: RunCommand) -> None:
    # given: two independent faults
    world.blob_path.unlink()
    _execute("DELETE FROM accounts_roleassignment WHERE id = %s", [world.role.pk])
    # when
    status, output = run_verify("--json")
    # then
    data = json.loads(output)
    assert status == 1
    assert data["ok"] is False
    kinds = sorted((p["kind"], p["subject"]) for p in data["problems"])
    assert kinds == sorted([("missing_blob", f"blob:{world.blob.sha256}"), ("missing_row", f"role:{world.role.pk}")])
    assert all(p["message_zh"] and p["message_en"] for p in data["problems"])


@pytest.mark.parametrize("garbage", [b"not json", b'{"action":"x"}'], ids=["not-json", "missing-fields"])
def test_malformed_entry_bytes_are_reported(world: World, garbage: bytes, run_verify: RunCommand) -> None:
    target = LedgerEntry.objects.get(subject=world.certificate.ledger_subject())
    with ledger_triggers_disabled():
        _execute('UPDATE ledger_ledgerentry SET entry = %s WHERE "index" = %s', [garbage, target.index])
    status, output = run_verify()
    _assert_fails_naming(output, status, "[entry_malformed]", f"ledger#{target.index}")
