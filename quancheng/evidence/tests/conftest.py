"""Fixtures for the evidence tests: a case per agency, a draft record, a device, an isolated blob store."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django.test.client import encode_multipart

from quancheng.accounts import services as accounts
from quancheng.accounts.models import Agency, Unit, User
from quancheng.cases import services as cases
from quancheng.cases.models import ActType, Case, CaseSource, Procedure, Stage
from quancheng.evidence import services as evidence
from quancheng.evidence.models import Device
from quancheng.ledger.models import LedgerAction, LedgerEntry
from quancheng.ledger.services import ledger_record
from quancheng.records.models import Record

BOUNDARY = "qc-test-boundary"


@pytest.fixture(autouse=True)
def blob_dir(settings, tmp_path: Path) -> Path:
    """Each test gets its own empty local store, so "nothing was written" is checkable."""
    root = tmp_path / "blobs"
    settings.QUANCHENG_BLOB_BACKEND = "local"
    settings.QUANCHENG_BLOB_DIR = root
    return root


def stored_files(root: Path) -> list[Path]:
    """Every file under the store, committed or still in ``incoming``."""
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _open_case(actor: User, agency: Agency, unit: Unit, title: str) -> Case:
    return cases.case_open(
        actor=actor,
        agency=agency,
        unit=unit,
        title=title,
        act_type=ActType.PENALTY,
        source=CaseSource.INSPECTION,
        procedure=Procedure.GENERAL,
    )


@pytest.fixture
def case(zhangsan: User, agency: Agency, unit: Unit) -> Case:
    return _open_case(zhangsan, agency, unit, "某超市销售过期食品案")


@pytest.fixture
def other_case(outsider: User, other_agency: Agency) -> Case:
    other_unit = accounts.unit_create(actor=None, agency=other_agency, name="综合执法科")
    return _open_case(outsider, other_agency, other_unit, "另一机关的案件")


@pytest.fixture
def archived_case(zhangsan: User, agency: Agency, unit: Unit) -> Case:
    archived = _open_case(zhangsan, agency, unit, "已归档案件")
    # Test set-up only: the workflow that reaches 归档 is the cases app's concern.
    Case.objects.filter(pk=archived.pk).update(stage=Stage.ARCHIVE)
    archived.refresh_from_db()
    return archived


def _draft_record(case: Case, author: User) -> Record:
    record = Record.objects.create(
        case=case,
        kind="现场检查笔录",
        stage=case.stage,
        content={"检查情况": "货架上有过期食品"},
        author=author,
    )
    ledger_record(action=LedgerAction.RECORD_DRAFTED, actor=author, obj=record)
    return record


@pytest.fixture
def record(case: Case, zhangsan: User) -> Record:
    return _draft_record(case, zhangsan)


@pytest.fixture
def make_record() -> Callable[[Case, User], Record]:
    return _draft_record


@pytest.fixture
def device(agency: Agency) -> Device:
    return evidence.device_register(actor=None, agency=agency, serial="DSJ-2026-0001", model="DSJ-V8")


@pytest.fixture
def media_ledger() -> Callable[[], list[LedgerEntry]]:
    """Ledger entries written by the evidence app (blob and media actions)."""
    actions = [LedgerAction.BLOB_STORED, LedgerAction.MEDIA_INGESTED, LedgerAction.MEDIA_ATTACHED]
    return lambda: list(LedgerEntry.objects.filter(action__in=actions).order_by("index"))


@pytest.fixture
def upload() -> Callable[..., object]:
    """``upload(client, case_id, content, kind=..., **fields_and_headers)`` → response of the upload endpoint."""

    def post(
        client: Client,
        case_id: int,
        content: bytes,
        *,
        kind: str = "photo",
        name: str = "现场照片.jpg",
        content_type: str = "image/jpeg",
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ):
        body = _multipart(content, name=name, content_type=content_type, fields={"kind": kind, **(fields or {})})
        return client.post(
            f"/api/v1/cases/{case_id}/media",
            data=body,
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
            headers=headers or {},
        )

    return post


def _multipart(content: bytes, *, name: str, content_type: str, fields: dict[str, str]) -> bytes:
    parts = [encode_multipart(BOUNDARY, fields).rsplit(f"--{BOUNDARY}--".encode(), 1)[0]] if fields else [b""]
    parts.append(
        (
            f"--{BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    return b"".join(parts)
