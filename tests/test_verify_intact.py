"""``quancheng verify`` on intact data: exit 0, a summary, JSON output, progress only on a terminal."""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from quancheng.accounts.models import Agency, Certificate, RoleAssignment, Unit, User
from quancheng.cases import services as cases
from quancheng.cases.models import ActType, CaseSource, Procedure, Stage
from quancheng.evidence.models import Blob, MediaKind, MediaObject
from quancheng.evidence.storage import LocalBlobStore
from quancheng.ledger.models import LedgerAction, LedgerEntry
from quancheng.ledger.services import ledger_record
from quancheng.ledger.verify import verify
from quancheng.records.models import Record


@dataclass
class World:
    """A small agency's data: people, certificates, a case with a record, and one stored blob."""

    certificate: Certificate
    record: Record
    blob: Blob
    blob_path: Path
    role: RoleAssignment


def build_world(*, agency: Agency, unit: Unit, zhangsan: User, lisi: User, blob_dir: Path) -> World:
    case = cases.case_open(
        actor=zhangsan,
        agency=agency,
        unit=unit,
        title="销售过期食品",
        act_type=ActType.PENALTY,
        source=CaseSource.INSPECTION,
        procedure=Procedure.GENERAL,
        handlers=[zhangsan, lisi],
    )
    with transaction.atomic():
        record = Record.objects.create(
            case=case,
            kind="inspection_record",
            stage=Stage.PROGRAM_START,
            content={"检查情况": "货架上有过期食品三件", "检查人员": ["张三", "李四"]},
            place="示例市某超市",
            author=zhangsan,
        )
        ledger_record(action=LedgerAction.RECORD_DRAFTED, actor=zhangsan, obj=record)
    store = LocalBlobStore(blob_dir)
    # Random bytes: blobs are content-addressed, so shared content could be corrupted by another test.
    stored = store.put_chunks([os.urandom(1500), os.urandom(700)])
    with transaction.atomic():
        blob = Blob.objects.create(sha256=stored.sha256, size=stored.size)
        ledger_record(action=LedgerAction.BLOB_STORED, actor=zhangsan, obj=blob, extra_digests={"blob": blob.sha256})
        media = MediaObject.objects.create(
            blob=blob,
            agency=agency,
            case=case,
            kind=MediaKind.PHOTO,
            content_type="image/jpeg",
            officer=zhangsan,
            uploaded_by=zhangsan,
        )
        ledger_record(
            action=LedgerAction.MEDIA_INGESTED, actor=zhangsan, obj=media, extra_digests={"blob": blob.sha256}
        )
    return World(
        certificate=Certificate.objects.get(holder=zhangsan),
        record=record,
        blob=blob,
        blob_path=store.path(blob.sha256),
        role=RoleAssignment.objects.get(user=lisi),
    )


@pytest.fixture
def world(settings, tmp_path: Path, agency: Agency, unit: Unit, zhangsan: User, lisi: User) -> World:
    settings.QUANCHENG_BLOB_DIR = tmp_path / "blobs"
    return build_world(agency=agency, unit=unit, zhangsan=zhangsan, lisi=lisi, blob_dir=settings.QUANCHENG_BLOB_DIR)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_verify(*args: str, stderr: io.StringIO | None = None) -> tuple[int, str]:
    """Run the command as the CLI would; return (exit status, stdout)."""
    out = io.StringIO()
    try:
        call_command("verify", *args, stdout=out, stderr=stderr or io.StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def test_intact_data_exits_zero_with_a_summary(world: World) -> None:
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
    # and verifying wrote nothing
    assert LedgerEntry.objects.count() == entries_before


def test_report_counts_every_entry_row_and_blob_byte(world: World) -> None:
    report = verify()
    assert report.ok, [str(p) for p in report.problems]
    assert report.entries == LedgerEntry.objects.count() == report.size
    # every anchored row was checked: at least the people, the certificate, the record and the media
    assert report.rows >= User.objects.count() + Certificate.objects.count() + 2
    assert report.blobs == 1
    assert report.blob_bytes == world.blob.size == 2200


def test_json_output_is_machine_readable(world: World) -> None:
    status, output = run_verify("--json")
    data = json.loads(output)
    assert status == 0
    assert data["ok"] is True
    assert data["problems"] == []
    assert data["entries"] == LedgerEntry.objects.count()
    assert data["blobs"] == 1
    assert len(data["root"]) == 64


def test_progress_is_drawn_on_a_terminal_only(world: World) -> None:
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


def test_empty_ledger_is_intact(db) -> None:
    status, output = run_verify()
    assert status == 0, output
    assert "账本条目 entries 0," in output
