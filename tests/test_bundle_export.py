"""Exporting a case as a verifiable bundle (issue 4; INTEGRITY-01..06, ACCESS-04): what the bag holds, that the
export is ledgered with who, when and why, that the bundle's digest is anchored afterwards, and that a refused
export writes nothing."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
import rfc8785
from django.db import connection

from quancheng.cases.models import Case, CaseExport
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.evidence.models import Blob, MediaObject
from quancheng.ledger import bundle_verifier, checkpoints
from quancheng.ledger.bundle import export_case
from quancheng.ledger.models import LedgerAction, LedgerEntry
from quancheng.ledger.verify import verify
from quancheng.records.models import Record, Signature

pytest.register_assert_rewrite("tests.bundle_support")

from .bundle_support import (  # noqa: E402 - after the rewrite hook
    EXPORT_REASON,
    ExportedBundle,
    export_to,
    read_members,
)

# The fixtures (blob_dir, bundle_case, exported) live with the helpers.
pytest_plugins = ["tests.bundle_support"]

pytestmark = pytest.mark.django_db


def test_bundle_is_a_bag_with_every_part(exported: ExportedBundle) -> None:
    # given / when: a case with records, signatures, media and a correction, exported
    base, files = read_members(exported.data)
    case = exported.case

    # then: the BagIt tag files and the payload are there (RFC 8493)
    assert base.endswith("/") and base.count("/") == 1
    assert files["bagit.txt"] == b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    info = files["bag-info.txt"].decode("utf-8")
    payload = {rel: content for rel, content in files.items() if rel.startswith("data/")}
    assert f"Payload-Oxum: {sum(len(c) for c in payload.values())}.{len(payload)}\n" in info
    assert "Bagging-Date: " in info
    manifest = files["manifest-sha256.txt"].decode("utf-8").splitlines()
    assert sorted(line.split("  ", 1)[1] for line in manifest) == sorted(payload)
    for line in manifest:
        digest, rel = line.split("  ", 1)
        assert hashlib.sha256(payload[rel]).hexdigest() == digest
    tags = files["tagmanifest-sha256.txt"].decode("utf-8")
    assert {line.split("  ", 1)[1] for line in tags.splitlines()} == {
        "bagit.txt",
        "bag-info.txt",
        "manifest-sha256.txt",
    }

    # and every record, media file, row snapshot, entry and proof
    for record in Record.objects.filter(case=case):
        view = json.loads(payload[f"data/records/{record.pk}.json"])
        assert view["content"] == record.content and view["status"] == record.status
        assert payload[f"data/rows/record_{record.pk}.snapshot.json"] == rfc8785.dumps(record.ledger_snapshot())
    for signature in Signature.objects.filter(record__case=case):
        assert f"data/rows/signature_{signature.pk}.snapshot.json" in payload
    for media in MediaObject.objects.filter(case=case):
        files_named = [rel for rel in payload if rel.startswith(f"data/media/{media.blob_id}.")]
        assert len(files_named) == 1 and hashlib.sha256(payload[files_named[0]]).hexdigest() == media.blob_id
    assert payload[f"data/rows/case_{case.pk}.snapshot.json"] == rfc8785.dumps(case.ledger_snapshot())
    assert payload["data/verify_bundle.py"] == (Path(bundle_verifier.__file__)).read_bytes()
    checkpoint = exported.result.checkpoint
    assert payload["data/ledger/checkpoint.txt"] == checkpoint.note.encode("utf-8")
    for rel, content in payload.items():
        if rel.startswith("data/ledger/entries/"):
            index = int(rel.rsplit("/", 1)[1][:-5])
            assert content == bytes(LedgerEntry.objects.get(index=index).entry)
            proof = json.loads(payload[f"data/ledger/proofs/{index}.json"])
            assert proof["index"] == index and proof["size"] == checkpoint.size


def test_every_snapshot_hashes_to_its_latest_entry(exported: ExportedBundle) -> None:
    # given
    _base, files = read_members(exported.data)
    snapshots = {rel: content for rel, content in files.items() if rel.startswith("data/rows/")}

    # then: sha256 of each snapshot's bytes is digests["row"] of the latest entry for its subject
    assert snapshots
    for rel, content in snapshots.items():
        subject = rel[len("data/rows/") : -len(".snapshot.json")]
        kind, _, pk = subject.rpartition("_")
        latest = LedgerEntry.objects.filter(subject=f"{kind}:{pk}").order_by("-index").first()
        entry = json.loads(bytes(latest.entry))
        if entry["digests"].get("bundle"):  # the export row, re-anchored with the bundle digest afterwards
            latest = LedgerEntry.objects.filter(subject=f"{kind}:{pk}").order_by("index").first()
            entry = json.loads(bytes(latest.entry))
        assert hashlib.sha256(content).hexdigest() == entry["digests"]["row"]


def test_export_is_ledgered_with_who_when_why(exported: ExportedBundle, zhangsan) -> None:
    # given / when: the export fixture
    export = CaseExport.objects.get(case=exported.case)

    # then: the row says who, why and what was handed out
    assert export.actor == zhangsan
    assert export.reason == EXPORT_REASON
    assert export.bundle_sha256 == hashlib.sha256(exported.data).hexdigest() == exported.result.sha256
    # and two case.exported entries anchor it: the decision (inside the bundle), then the bundle digest
    decided, completed = LedgerEntry.objects.filter(subject=f"case_export:{export.pk}").order_by("index")
    assert decided.action == completed.action == LedgerAction.CASE_EXPORTED
    assert decided.actor == completed.actor == f"user:{zhangsan.pk}"
    assert completed.digests == {"row": export.ledger_digest(), "bundle": export.bundle_sha256}
    assert EXPORT_REASON not in bytes(decided.entry).decode("utf-8")  # the reason stays out of the public log
    _base, files = read_members(exported.data)
    assert files[f"data/ledger/entries/{decided.index}.json"] == bytes(decided.entry)
    assert json.loads(files["data/export.json"])["reason"] == EXPORT_REASON
    # and the export row commits to the bundle's inventory: every other item with its anchoring entry
    assert export.inventory_sha256 == hashlib.sha256(files["data/inventory.txt"]).hexdigest()
    listed = {line.split(" ")[1] for line in files["data/inventory.txt"].decode("ascii").splitlines()}
    rows = {rel[len("data/rows/") : -len(".snapshot.json")] for rel in files if rel.startswith("data/rows/")}
    assert {subject.replace(":", "_") for subject in listed} == rows - {f"case_export_{export.pk}"}
    # and the whole ledger still verifies: every row anchored, the export row included
    assert verify().problems == []


def test_bundle_verifies_in_process(exported: ExportedBundle) -> None:
    # when
    report = exported.verify()
    print("\n".join(bundle_verifier.summary_lines(report, "bundle.zip")))

    # then
    assert report.failures == []
    assert report.records == Record.objects.filter(case=exported.case).count()
    assert report.media == Blob.objects.filter(media_objects__case=exported.case).distinct().count()
    assert report.checkpoint is not None and report.checkpoint.size == exported.result.checkpoint.size


def test_readme_is_chinese_with_the_command_lines(exported: ExportedBundle) -> None:
    # given
    _base, files = read_members(exported.data)
    readme = files["data/README.txt"].decode("utf-8")

    # then: Chinese text, the verify command, and the warning not to trust a key shipped with the bundle
    chinese = sum(1 for ch in readme if "\u4e00" <= ch <= "\u9fff")
    assert chinese > len(readme) // 4
    assert "python3 verify_bundle.py" in readme and "--key" in readme
    assert "quancheng verify-bundle" in readme
    assert "切勿使用本案卷包中" in readme
    assert exported.case.number in readme


def test_empty_reason_is_refused_and_writes_nothing(bundle_case: Case, zhangsan, ledger_size) -> None:
    # given
    before = ledger_size()
    out = io.BytesIO()

    # when / then
    with pytest.raises(DomainError) as refused:
        export_case(actor=zhangsan, case=bundle_case, reason="  ", out=out)
    assert refused.value.code == ErrorCode.VALIDATION_ERROR
    assert ledger_size() == before and not CaseExport.objects.exists() and out.getvalue() == b""


def test_case_hidden_from_the_actor_is_not_found_and_writes_nothing(bundle_case: Case, outsider, ledger_size) -> None:
    before = ledger_size()
    with pytest.raises(DomainError) as refused:
        export_case(actor=outsider, case=bundle_case, reason="查阅", out=io.BytesIO())
    assert refused.value.code == ErrorCode.NOT_FOUND
    assert ledger_size() == before and not CaseExport.objects.exists()


def test_data_changed_behind_the_ledger_is_refused_and_writes_nothing(bundle_case: Case, zhangsan, ledger_size) -> None:
    # given: a sealed record changed in the database, bypassing the services
    record = Record.objects.filter(case=bundle_case, status="sealed").first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE records_record SET place = %s WHERE id = %s", ["别处", record.pk])
    before = ledger_size()

    # when / then: no bundle that could not verify is made, and nothing is recorded
    with pytest.raises(DomainError) as refused:
        export_case(actor=zhangsan, case=bundle_case, reason="复制", out=io.BytesIO())
    assert refused.value.code == ErrorCode.LEDGER_MISMATCH
    assert f"record:{record.pk}" in refused.value.message
    assert ledger_size() == before and not CaseExport.objects.exists()


def test_a_second_export_gets_its_own_row_and_entries(exported: ExportedBundle, tmp_path: Path, lisi) -> None:
    # when
    again = export_to(tmp_path / "again.zip", exported.case, lisi, reason="移送司法机关")

    # then
    assert CaseExport.objects.filter(case=exported.case).count() == 2
    assert again.result.export.actor == lisi and again.result.sha256 != exported.result.sha256
    assert again.verify().failures == []
    # the first bundle still verifies: the log only grew
    assert exported.verify().failures == []


def test_system_export_without_actor(bundle_case: Case, tmp_path: Path) -> None:
    # when: the operator exports from the command line without naming a user
    done = export_to(tmp_path / "system.zip", bundle_case, None, reason="法院调取")

    # then
    export = done.result.export
    assert export.actor is None
    assert LedgerEntry.objects.filter(subject=f"case_export:{export.pk}").first().actor == "system"
    assert done.verify().failures == []


def test_zip_streams_to_a_non_seekable_output(bundle_case: Case, zhangsan, tmp_path: Path) -> None:
    # given: an output that cannot seek (an HTTP response, a pipe)
    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.chunks: list[bytes] = []

        def writable(self) -> bool:
            return True

        def write(self, data) -> int:
            self.chunks.append(bytes(data))
            return len(data)

    pipe = Pipe()

    # when
    result = export_case(actor=zhangsan, case=bundle_case, reason="复制", out=pipe)

    # then: the bytes are a readable zip whose digest is the one recorded
    data = b"".join(pipe.chunks)
    assert hashlib.sha256(data).hexdigest() == result.sha256 and len(data) == result.size
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    path = tmp_path / "piped.zip"
    path.write_bytes(data)
    report = bundle_verifier.verify_bundle(str(path), bundle_verifier.parse_verifier_key(checkpoints.verifier_key()))
    assert report.failures == []


def test_media_are_copied_and_verified_in_chunks(
    bundle_case: Case, zhangsan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: chunks far smaller than the files, so every media file is copied and hashed piece by piece
    from quancheng.ledger import bundle

    monkeypatch.setattr(bundle, "COPY_CHUNK", 257)
    monkeypatch.setattr(bundle_verifier, "READ_CHUNK", 311)

    # when
    done = export_to(tmp_path / "chunked.zip", bundle_case, zhangsan)

    # then
    largest = max(Blob.objects.filter(media_objects__case=bundle_case).values_list("size", flat=True))
    assert largest > 10 * 257
    assert done.verify().failures == []


@pytest.mark.django_db(transaction=True)
def test_export_outside_a_transaction(blob_dir: Path, agency, unit, zhangsan, lisi, reviewer, tmp_path: Path) -> None:
    # given: autocommit, as the command line and the API run (rows and anchors then read in one snapshot:
    # REPEATABLE READ on PostgreSQL, a transaction on SQLite)
    from .bundle_support import build_case

    case = build_case(agency=agency, unit=unit, zhangsan=zhangsan, lisi=lisi, reviewer=reviewer)
    assert not connection.in_atomic_block

    # when
    done = export_to(tmp_path / "autocommit.zip", case, zhangsan)

    # then
    assert done.verify().failures == []
    assert CaseExport.objects.get(case=case).bundle_sha256 == done.result.sha256
