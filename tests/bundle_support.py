"""Shared pieces of the case-bundle tests (tests/test_bundle_*.py): a case with everything a bundle carries, the
export itself, and a re-bagger that changes files *and* recomputes the manifests, as a careful forger would, so
the checks behind the bag's own fixity are the ones exercised."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from quancheng.accounts import services as accounts
from quancheng.accounts.models import Agency, Role, Unit, User
from quancheng.cases import services as cases
from quancheng.cases.identifiers import uscc_check_char
from quancheng.cases.models import ActType, Case, CaseSource, Procedure, Step
from quancheng.demo import media as demo_media
from quancheng.demo import procedure
from quancheng.evidence import services as evidence
from quancheng.evidence.storage import get_blob_store, stage_chunks
from quancheng.ledger import bundle_verifier, checkpoints
from quancheng.ledger.bundle import ExportResult, export_case
from quancheng.records import services as records
from quancheng.records.models import Record

EXPORT_REASON = "应当事人示例市鲜果超市有限公司申请,复制案卷供行政复议使用"


@dataclass
class ExportedBundle:
    case: Case
    data: bytes
    result: ExportResult
    path: Path

    def verify(self, key: str | None = None, path: Path | None = None) -> bundle_verifier.Report:
        return bundle_verifier.verify_bundle(
            str(path or self.path), bundle_verifier.parse_verifier_key(key or checkpoints.verifier_key())
        )


def build_case(*, agency: Agency, unit: Unit, zhangsan: User, lisi: User, reviewer: User) -> Case:
    """A penalty case in 调查取证 with a party, two handlers, sealed records (笔录 signed on every page, with the
    signature images as media), a site photo, and a sealed record corrected once (INTEGRITY-05)."""
    body17 = "91330100MA2AB1C2X"
    party = cases.party_create(
        actor=zhangsan,
        agency=agency,
        kind="organisation",
        name="示例市鲜果超市有限公司",
        id_number=body17 + uscc_check_char(body17),
        legal_representative="林大海",
        address="示例市中山路12号",
    )
    case = cases.case_open(
        actor=zhangsan,
        agency=agency,
        unit=unit,
        title="销售过期食品案",
        act_type=ActType.PENALTY,
        source=CaseSource.INSPECTION,
        procedure=Procedure.GENERAL,
        occurred_place="示例市中山路12号",
        handlers=[zhangsan, lisi],
        parties=[party],
    )
    cast = procedure.Cast(
        author=zhangsan,
        partner=lisi,
        principal_head=_head(agency, "bundle-principal", Role.PRINCIPAL_HEAD),
        unit_head=_head(agency, "bundle-unithead", Role.UNIT_HEAD),
        reviewer=reviewer,
        party=party,
    )
    procedure.walk(case, cast, Step.INVESTIGATION)
    made = [procedure.make_record(case, cast, code) for code in ("site_inspection_transcript", "inquiry_transcript")]
    evidence.media_ingest(
        actor=zhangsan,
        case=case,
        stored=stage_chunks(get_blob_store(), [demo_media.png(48, 32, case.pk)]),
        kind="photo",
        content_type="image/png",
        original_name="现场照片.png",
    )
    inspection = next(record for record in made if record.kind == "site_inspection_transcript")
    # INV-12: the correction of a 笔录 is confirmed by the person's signature before it is sealed.
    correction = records.record_correct(
        actor=zhangsan,
        record=inspection,
        content={**inspection.content, "findings": "现场发现货架上陈列的过期食品三件(更正)"},
        reason="补充过期食品的数量",
        seal=False,
    )
    procedure.sign_as_required(correction, cast)
    records.record_seal(actor=zhangsan, record=correction)
    case.refresh_from_db()
    return case


def _head(agency: Agency, username: str, role: Role) -> User:
    return accounts.user_create(actor=None, username=username, full_name="钱局长", agency=agency, roles=(role,))


def export_to(path: Path, case: Case, actor: User | None, reason: str = EXPORT_REASON) -> ExportedBundle:
    with open(path, "wb") as out:
        result = export_case(actor=actor, case=case, reason=reason, out=out)
    return ExportedBundle(case=case, data=path.read_bytes(), result=result, path=path)


@pytest.fixture
def blob_dir(settings: Any, tmp_path: Path) -> Path:
    # Each test its own blob directory: content-addressed files shared between tests could be damaged by one.
    settings.QUANCHENG_BLOB_DIR = tmp_path / "blobs"
    return settings.QUANCHENG_BLOB_DIR


@pytest.fixture
def bundle_case(blob_dir: Path, agency: Agency, unit: Unit, zhangsan: User, lisi: User, reviewer: User) -> Case:
    return build_case(agency=agency, unit=unit, zhangsan=zhangsan, lisi=lisi, reviewer=reviewer)


@pytest.fixture
def exported(tmp_path: Path, bundle_case: Case, zhangsan: User) -> ExportedBundle:
    return export_to(tmp_path / "bundle.zip", bundle_case, zhangsan)


# --- changing a bundle ------------------------------------------------------------------------------------


def _base(names: list[str]) -> str:
    return next(name[: -len("bagit.txt")] for name in names if name.endswith("bagit.txt"))


def read_members(data: bytes) -> tuple[str, dict[str, bytes]]:
    """(base directory with its slash, {path relative to the base: bytes})."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [info.filename for info in archive.infolist() if not info.is_dir()]
        base = _base(names)
        return base, {name[len(base) :]: archive.read(name) for name in names}


def write_members(base: str, files: Mapping[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, content in files.items():
            archive.writestr(base + rel, content)
    return buffer.getvalue()


def _manifest(files: Mapping[str, bytes], *, payload: bool) -> bytes:
    lines = [
        f"{hashlib.sha256(content).hexdigest()}  {rel}\n"
        for rel, content in sorted(files.items())
        if rel.startswith("data/") == payload and not rel.startswith("tagmanifest-")
    ]
    return "".join(lines).encode("utf-8")


def rebag(data: bytes, change: Callable[[dict[str, bytes]], None], *, fix_manifests: bool = True) -> bytes:
    """Apply ``change`` to the files; with ``fix_manifests``, recompute manifest, Payload-Oxum and tag manifest
    so that the bag's fixity holds again (what someone who alters a bundle on purpose would do)."""
    base, files = read_members(data)
    change(files)
    if fix_manifests:
        payload = {rel: content for rel, content in files.items() if rel.startswith("data/")}
        files["manifest-sha256.txt"] = _manifest(payload, payload=True)
        oxum = f"Payload-Oxum: {sum(len(c) for c in payload.values())}.{len(payload)}"
        files["bag-info.txt"] = re.sub(
            r"Payload-Oxum: [0-9]+\.[0-9]+", oxum, files["bag-info.txt"].decode("utf-8")
        ).encode("utf-8")
        tags = {rel: content for rel, content in files.items() if not rel.startswith("data/")}
        files["tagmanifest-sha256.txt"] = _manifest(tags, payload=False)
    return write_members(base, files)


def first_record_id(files: Mapping[str, bytes]) -> int:
    return min(int(rel.split("/")[-1][:-5]) for rel in files if rel.startswith("data/records/"))


def sealed_record_ids(case: Case) -> list[int]:
    return list(Record.objects.filter(case=case, status="sealed").order_by("pk").values_list("pk", flat=True))
