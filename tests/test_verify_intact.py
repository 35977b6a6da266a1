"""``quancheng verify`` on intact data: exit 0, a summary, JSON output, progress only on a terminal."""

from __future__ import annotations

import io
import json

from quancheng.accounts.models import Certificate, User
from quancheng.ledger.models import LedgerEntry
from quancheng.ledger.verify import verify

from .conftest import RunCommand, World


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_intact_data_exits_zero_with_a_summary(world: World, run_verify: RunCommand) -> None:
    # given
    entries_before = LedgerEntry.objects.count()
    # when
    status, output = run_verify()
    # then
    assert status == 0, output
    assert f"账本条目 entries {entries_before}," in output
    assert "存储对象 blobs 1 " in output
    assert "用时 elapsed" in output
    assert "完好 intact" in output
    # and verifying wrote nothing to the database (its one write is the witness file, outside it)
    assert LedgerEntry.objects.count() == entries_before


def test_report_counts_every_entry_row_and_blob_byte(world: World) -> None:
    report = verify()
    assert report.ok, [str(p) for p in report.problems]
    assert report.entries == LedgerEntry.objects.count() == report.size
    # every anchored row was checked: at least the people, the certificate, the record and the media
    assert report.rows >= User.objects.count() + Certificate.objects.count() + 2
    assert report.blobs == 1
    assert report.blob_bytes == world.blob.size == 2200


def test_json_output_is_machine_readable(world: World, run_verify: RunCommand) -> None:
    status, output = run_verify("--json")
    data = json.loads(output)
    assert status == 0
    assert data["ok"] is True
    assert data["problems"] == []
    assert data["entries"] == LedgerEntry.objects.count()
    assert data["blobs"] == 1
    assert len(data["root"]) == 64


def test_progress_is_drawn_on_a_terminal_only(world: World, run_verify: RunCommand) -> None:
    # given: one stderr that says it is a terminal, one that does not
    terminal, pipe = FakeTerminal(), io.StringIO()
    # when
    run_verify(stderr=terminal)
    run_verify(stderr=pipe)
    # then: one updating line per phase, ending at 100%
    drawn = terminal.getvalue()
    assert "\r账本条目 entries 100%" in drawn
    assert "\r数据行 rows 100%" in drawn
    assert "\r存储对象 blobs 100%" in drawn
    assert drawn.count("\n") == 3
    assert pipe.getvalue() == ""


def test_empty_ledger_is_intact(db, run_verify: RunCommand) -> None:
    status, output = run_verify()
    assert status == 0, output
    assert "账本条目 entries 0," in output
