"""The real console script: ``quancheng migrate`` then ``quancheng verify`` on a fresh SQLite database."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

QUANCHENG = Path(sys.executable).with_name("quancheng")

POPULATE = """
from datetime import date, timedelta
from quancheng.accounts import services as accounts
from quancheng.accounts.models import Role
agency = accounts.agency_create(actor=None, name="示例市市场监督管理局", case_number_prefix="示市监立")
unit = accounts.unit_create(actor=None, agency=agency, name="执法稽查科")
for username, cert in (("zhangsan", "SJ-0001"), ("lisi", "SJ-0002")):
    user = accounts.user_create(
        actor=None, username=username, full_name=username, agency=agency, unit=unit, roles=(Role.OFFICER,)
    )
    today = date.today()
    accounts.certificate_issue(
        actor=None, holder=user, number=cert, issuer="示例市人民政府",
        valid_from=today - timedelta(days=1), valid_to=today + timedelta(days=365),
    )
"""


@pytest.fixture
def run(tmp_path: Path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("QUANCHENG_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        QUANCHENG_DATABASE_URL=f"sqlite:///{tmp_path / 'quancheng.sqlite3'}",
        QUANCHENG_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="quancheng.settings.dev",
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(QUANCHENG), *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
        )

    return run


@pytest.fixture
def database(tmp_path: Path, run) -> Path:
    migrated = run("migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    populated = run("shell", "-c", POPULATE)
    assert populated.returncode == 0, populated.stderr
    return tmp_path / "quancheng.sqlite3"


def _sql(database: Path, sql: str, *params: object) -> None:
    with sqlite3.connect(database) as db:
        db.execute(sql, params)


def test_console_script_exits_zero_on_intact_data(database: Path, run) -> None:
    # when
    result = run("verify")
    # then
    assert result.returncode == 0, result.stdout + result.stderr
    assert "完好 intact" in result.stdout
    assert "账本条目 entries" in result.stdout
    assert "\r" not in result.stderr  # stderr is a pipe here: no progress line


def test_console_script_names_a_changed_row_and_exits_one(database: Path, run) -> None:
    # given: one byte of a certificate number changed in the database file
    _sql(database, "UPDATE accounts_certificate SET number = 'SJ-0003' WHERE number = 'SJ-0002'")
    # when
    result = run("verify")
    # then
    assert result.returncode == 1
    assert "[changed_row] certificate:" in result.stdout
    assert "账本核验未通过" in result.stderr


def test_console_script_names_a_deleted_ledger_row_in_json(database: Path, run) -> None:
    # given: SQLite has no trigger; the ORM guard does not stop raw SQL, but verify sees the gap
    _sql(database, 'DELETE FROM ledger_ledgerentry WHERE "index" = 3')
    # when
    result = run("verify", "--json")
    # then
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert {"kind": "broken_chain", "subject": "ledger#3"}.items() <= report["problems"][0].items()
