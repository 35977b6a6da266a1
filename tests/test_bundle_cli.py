"""``quancheng export-case`` and ``quancheng verify-bundle`` as the command line runs them (issue 4)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from quancheng.cases.models import Case, CaseExport
from quancheng.ledger import checkpoints, note

pytest.register_assert_rewrite("tests.bundle_support")

from .bundle_support import ExportedBundle, read_members, rebag  # noqa: E402 - after the rewrite hook

pytest_plugins = ["tests.bundle_support"]

pytestmark = pytest.mark.django_db


def run(name: str, *args: str) -> tuple[int, str, str]:
    """(exit status, stdout, the CommandError message) of a management command."""
    out = io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue(), str(exc)
    return 0, out.getvalue(), ""


def test_export_case_writes_a_bundle_that_verify_bundle_accepts(bundle_case: Case, zhangsan, tmp_path: Path) -> None:
    # given
    target = tmp_path / "out" / "案卷.zip"
    target.parent.mkdir()

    # when
    status, out, _ = run(
        "export-case", bundle_case.number, "-o", str(target), "--reason", "法院调取", "--actor", "zhangsan"
    )

    # then: the file, its digest as recorded, and the command line to verify it with the log's key
    assert status == 0, out
    data = target.read_bytes()
    export = CaseExport.objects.get(case=bundle_case)
    assert export.actor == zhangsan and export.reason == "法院调取"
    assert export.bundle_sha256 == hashlib.sha256(data).hexdigest()
    assert export.bundle_sha256 in out
    assert f"--key '{checkpoints.verifier_key()}'" in out
    assert [p.name for p in target.parent.iterdir()] == ["案卷.zip"]  # no partial file left behind
    # and verify-bundle accepts it
    status, out, _ = run("verify-bundle", str(target), "--key", checkpoints.verifier_key())
    assert status == 0
    assert "核验通过" in out and "INTACT" in out and bundle_case.number in out


def test_export_case_without_actor_is_a_system_export(bundle_case: Case, tmp_path: Path) -> None:
    status, _out, _ = run("export-case", bundle_case.number, "-o", str(tmp_path / "b.zip"), "--reason", "归档备份")
    assert status == 0
    assert CaseExport.objects.get(case=bundle_case).actor is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["示市监立〔2000〕9号"], "不存在"),
        (["{number}", "--actor", "nobody"], "nobody"),
        (["{number}", "--actor", "outsider"], "not_found"),
        (["{number}", "--reason", " "], "导出事由"),
    ],
)
def test_export_case_refusals_write_nothing(
    bundle_case: Case, outsider, tmp_path: Path, ledger_size, args: list[str], message: str
) -> None:
    # given
    before = ledger_size()
    target = tmp_path / "out" / "refused.zip"
    target.parent.mkdir()
    argv = [arg.format(number=bundle_case.number) for arg in args]
    if "--reason" not in argv:
        argv += ["--reason", "复制"]

    # when
    status, _out, error = run("export-case", *argv, "-o", str(target))

    # then
    assert status == 1 and message in error
    assert ledger_size() == before and not CaseExport.objects.exists()
    assert list(target.parent.iterdir()) == []  # not even a partial file


def test_export_case_never_overwrites(bundle_case: Case, tmp_path: Path, ledger_size) -> None:
    target = tmp_path / "exists.zip"
    target.write_bytes(b"earlier")
    before = ledger_size()
    status, _out, error = run("export-case", bundle_case.number, "-o", str(target), "--reason", "复制")
    assert status == 1 and "已存在" in error
    assert target.read_bytes() == b"earlier" and ledger_size() == before


def test_verify_bundle_names_what_was_tampered(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: a record's place changed in its readable file
    _base, files = read_members(exported.data)
    rel = next(rel for rel in sorted(files) if rel.startswith("data/records/"))

    def edit(files: dict[str, bytes]) -> None:
        files[rel] = files[rel].replace(b'"place": "', '"place": "别处'.encode(), 1)

    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(rebag(exported.data, edit))

    # when
    status, out, error = run("verify-bundle", str(tampered), "--key", checkpoints.verifier_key())

    # then
    assert status == 1
    assert "核验未通过" in out and rel in out and "place" in out
    assert "核验未通过" in error


def test_verify_bundle_with_another_key_fails(exported: ExportedBundle) -> None:
    other = note.generate_signer(checkpoints.log_origin()).verifier().verifier_key()
    status, out, _ = run("verify-bundle", str(exported.path), "--key", other)
    assert status == 1 and "not signed by the given key" in out


def test_verify_bundle_unusable_key_or_file(exported: ExportedBundle, tmp_path: Path) -> None:
    status, _out, error = run("verify-bundle", str(exported.path), "--key", "garbage")
    assert status == 2 and "unusable key" in error
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK not really")
    status, _out, error = run("verify-bundle", str(junk), "--key", checkpoints.verifier_key())
    assert status == 2 and "zip" in error
