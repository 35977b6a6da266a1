"""Shared fixtures of the cross-app tests: a small verified world, ``quancheng verify`` as the CLI runs it, and a
witness file of each test's own (the personas themselves come from the root conftest.py)."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from quancheng.accounts.models import Agency, Certificate, RoleAssignment, Unit, User
from quancheng.cases import services as cases
from quancheng.cases.models import ActType, CaseSource, Procedure, Stage
from quancheng.evidence.models import Blob, MediaKind, MediaObject
from quancheng.evidence.storage import LocalBlobStore
from quancheng.ledger.models import LedgerAction
from quancheng.ledger.services import ledger_record
from quancheng.records.models import Record


@pytest.fixture(autouse=True)
def ledger_witness(settings: Any, tmp_path: Path) -> Path:
    """Each test's own witness file (not yet created): ``quancheng verify`` appends to it, and a test must never
    write to, or be judged against, the witness file of the checkout's own data directory."""
    settings.QUANCHENG_LEDGER_WITNESS = tmp_path / "ledger-witness.jsonl"
    return settings.QUANCHENG_LEDGER_WITNESS


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
def world(settings: Any, tmp_path: Path, agency: Agency, unit: Unit, zhangsan: User, lisi: User) -> World:
    # Each test gets its own blob directory, so corrupting a file in one test cannot leak into another.
    settings.QUANCHENG_BLOB_DIR = tmp_path / "blobs"
    return build_world(agency=agency, unit=unit, zhangsan=zhangsan, lisi=lisi, blob_dir=settings.QUANCHENG_BLOB_DIR)


RunCommand = Callable[..., tuple[int, str]]


def run_command(name: str, *args: str, stderr: io.StringIO | None = None) -> tuple[int, str]:
    """Run a management command as the CLI would; return (exit status, stdout)."""
    out = io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=stderr or io.StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def run_verify() -> RunCommand:
    """``run_verify(*args, stderr=None)`` → (exit status, stdout) of ``quancheng verify``."""
    return lambda *args, stderr=None: run_command("verify", *args, stderr=stderr)


def execute_sql(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


LEDGER_TRIGGERS = (
    ("ledger_ledgerentry", "ledger_entry_append_only"),
    ("ledger_ledgerhead", "ledger_head_grow_only"),
)


@contextmanager
def ledger_triggers_disabled() -> Iterator[None]:
    """What an attacker with table-owner rights does on PostgreSQL; SQLite has no trigger to get past."""
    if connection.vendor != "postgresql":
        yield
        return
    for table, trigger in LEDGER_TRIGGERS:
        execute_sql(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}", [])
    try:
        yield
    finally:
        for table, trigger in LEDGER_TRIGGERS:
            execute_sql(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}", [])
