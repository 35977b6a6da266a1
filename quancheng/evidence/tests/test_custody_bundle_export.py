"""A case bundle (案卷包) carries the case's recordings out of the system: each media object in it gets an export
custody entry — who, when, the export's reason, a permitted purpose — anchored in the ledger like every other copy
(ARCHIVE-08, ACCESS-05/06, INTEGRITY-01), committed with the export's own decision; the bundle still verifies."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from quancheng.cases.models import CaseExport
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.evidence import services
from quancheng.evidence.models import MediaAccess
from quancheng.evidence.storage import get_blob_store, stage_chunks
from quancheng.ledger import bundle_verifier, checkpoints
from quancheng.ledger.bundle import export_case
from quancheng.ledger.models import LedgerAction, LedgerEntry

from . import samples

REASON = "应行政复议机关调取,复制案卷一份"


@pytest.fixture
def case_media(case, zhangsan, other_case, outsider):
    """A video and a geotagged photo (EXIF GPS) of the case; and a photo of another agency's case, which is never
    exported with this one."""
    services.media_ingest(
        actor=outsider,
        case=other_case,
        stored=stage_chunks(get_blob_store(), [samples.jpeg(seed=7)]),
        kind="photo",
        content_type="image/jpeg",
    )
    return [
        services.media_ingest(
            actor=zhangsan, case=case, stored=stage_chunks(get_blob_store(), [data]), kind=kind, content_type=ctype
        )
        for data, kind, ctype in ((samples.mp4(), "video", "video/mp4"), (samples.jpeg(), "photo", "image/jpeg"))
    ]


def _export(tmp_path: Path, case, actor, **kwargs) -> tuple[Path, object]:
    path = tmp_path / "bundle.zip"
    with open(path, "wb") as out:
        result = export_case(actor=actor, case=case, reason=REASON, out=out, **kwargs)
    return path, result


def test_each_exported_media_gets_a_custody_entry(tmp_path, case, case_media, zhangsan) -> None:
    # when
    path, _result = _export(tmp_path, case, zhangsan)
    # then: one export entry per media object: who, why (the export's reason), to whom, a permitted purpose
    export = CaseExport.objects.get()
    accesses = list(MediaAccess.objects.order_by("media_id"))
    assert [a.media_id for a in accesses] == sorted(m.pk for m in case_media)
    for access in accesses:
        assert (access.user_id, access.action, access.purpose, access.note) == (
            zhangsan.pk,
            "export",
            "lawful_provision",
            REASON,
        )
        assert f"case_export:{export.pk}" in access.recipient and zhangsan.display_name in access.recipient
        entry = LedgerEntry.objects.get(subject=f"media_access:{access.pk}")
        assert (entry.action, entry.actor) == (LedgerAction.MEDIA_EXPORTED, f"user:{zhangsan.pk}")
        assert entry.digests == {"row": access.ledger_digest(), "blob": access.media.blob_id}
        assert REASON not in bytes(entry.entry).decode("utf-8")  # the reason stays off the public log
    # and: after the export's decision, before the bundle's digest is anchored
    decided, completed = LedgerEntry.objects.filter(subject=f"case_export:{export.pk}").order_by("index")
    custody = LedgerEntry.objects.filter(action=LedgerAction.MEDIA_EXPORTED).values_list("index", flat=True)
    assert all(decided.index < index < completed.index for index in custody)
    # and: the bundle still verifies against its own inventory (the photo's GPS decimals included)
    assert any(m.gps_latitude is not None for m in case_media)
    report = bundle_verifier.verify_bundle(str(path), bundle_verifier.parse_verifier_key(checkpoints.verifier_key()))
    assert report.ok, report.failures
    assert report.media == len(case_media)


def test_command_line_export_is_logged_as_system(tmp_path, case, case_media) -> None:
    # when
    _export(tmp_path, case, None, purpose="evidence_in_proceedings")
    # then
    assert set(MediaAccess.objects.values_list("user_id", "purpose")) == {(None, "evidence_in_proceedings")}
    actors = LedgerEntry.objects.filter(action=LedgerAction.MEDIA_EXPORTED).values_list("actor", flat=True)
    assert list(actors) == ["system", "system"]


def test_each_export_logs_again(tmp_path, case, case_media, zhangsan, lisi) -> None:
    # when: two exports of the same case
    _export(tmp_path, case, zhangsan)
    _export(tmp_path, case, lisi)
    # then
    assert MediaAccess.objects.filter(action="export").count() == 2 * len(case_media)
    assert MediaAccess.objects.filter(user=lisi).count() == len(case_media)


def test_a_purpose_not_permitted_exports_nothing(tmp_path, case, case_media, zhangsan) -> None:
    # given
    entries = LedgerEntry.objects.count()
    # when
    with pytest.raises(DomainError) as excinfo:
        export_case(actor=zhangsan, case=case, reason=REASON, out=io.BytesIO(), purpose="curiosity")
    # then: neither the export nor any custody entry was recorded (ACCESS-05)
    assert excinfo.value.code == ErrorCode.PURPOSE_REQUIRED
    assert not CaseExport.objects.exists() and not MediaAccess.objects.exists()
    assert LedgerEntry.objects.count() == entries


def test_a_case_without_media_writes_no_custody_entry(tmp_path, case, zhangsan) -> None:
    _export(tmp_path, case, zhangsan)
    assert CaseExport.objects.count() == 1
    assert not MediaAccess.objects.exists()


def test_the_api_export_logs_custody(case, case_media, zhangsan, api_client) -> None:
    # when
    response = api_client(zhangsan).post(
        f"/api/v1/cases/{case.pk}/bundle", data={"reason": REASON}, content_type="application/json"
    )
    # then
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert MediaAccess.objects.filter(action="export", user=zhangsan, note=REASON).count() == len(case_media)
