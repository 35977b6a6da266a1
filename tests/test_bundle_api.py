"""``POST /api/v1/cases/{case_id}/bundle`` with ``{"reason": ...}``: the case bundle as a download, for whoever may
see the case — the agency's staff, the supervising agency's 监督人员 and the party's own login (ACCESS-04) — and
404 for anyone else, writing nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from django.urls import reverse

from quancheng.accounts import services as accounts
from quancheng.accounts.models import Role
from quancheng.cases import services as cases
from quancheng.cases.models import Case, CaseExport, Party
from quancheng.ledger import bundle_verifier, checkpoints
from quancheng.ledger.bundle import bundle_filename
from quancheng.ledger.models import LedgerAction, LedgerEntry

pytest_plugins = ["tests.bundle_support"]

pytestmark = pytest.mark.django_db

REASON = "当事人申请复制案卷"


@pytest.fixture
def bundle_url() -> Callable[[int], str]:
    return lambda case_id: reverse("api-v1:case_bundle", kwargs={"case_id": case_id})


def _post(client, url: str, body: dict):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _verifies(data: bytes, tmp_path: Path) -> list:
    path = tmp_path / "download.zip"
    path.write_bytes(data)
    key = bundle_verifier.parse_verifier_key(checkpoints.verifier_key())
    return bundle_verifier.verify_bundle(str(path), key).failures


def test_officer_downloads_a_verifiable_bundle(
    bundle_case: Case, zhangsan, api_client, bundle_url, tmp_path: Path
) -> None:
    # when
    response = _post(api_client(zhangsan), bundle_url(bundle_case.pk), {"reason": REASON})

    # then: a zip named after the case number (RFC 6266 / RFC 5987 for the Chinese name)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="case-')
    assert f"filename*=UTF-8''{quote(bundle_filename(bundle_case), safe='')}" in disposition
    assert "%E3%80%94" in disposition  # 〔 of the case number, percent-encoded UTF-8
    data = _body(response)
    assert int(response["Content-Length"]) == len(data)
    assert response["X-Content-SHA256"] == hashlib.sha256(data).hexdigest()
    assert _verifies(data, tmp_path) == []
    # and the export is ledgered: who, why, and the digest of exactly these bytes
    export = CaseExport.objects.get(case=bundle_case)
    assert export.actor == zhangsan and export.reason == REASON
    assert export.bundle_sha256 == hashlib.sha256(data).hexdigest()
    last = LedgerEntry.objects.order_by("-index").first()
    assert last.action == LedgerAction.CASE_EXPORTED and last.subject == f"case_export:{export.pk}"
    assert last.digests == {"row": export.ledger_digest(), "bundle": export.bundle_sha256}


def test_another_agencys_officer_gets_404_and_nothing_is_written(
    bundle_case: Case, outsider, api_client, bundle_url, ledger_size
) -> None:
    # given
    client = api_client(outsider)  # (making its token is itself ledgered)
    before = ledger_size()

    # when
    response = _post(client, bundle_url(bundle_case.pk), {"reason": REASON})

    # then: the case's existence is not revealed, and nothing is recorded
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert ledger_size() == before and not CaseExport.objects.exists()


def test_a_case_that_does_not_exist_is_404(zhangsan, api_client, bundle_url, ledger_size) -> None:
    client = api_client(zhangsan)
    before = ledger_size()
    response = _post(client, bundle_url(999999), {"reason": REASON})
    assert response.status_code == 404 and ledger_size() == before


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x" * 513}, {"reason": 5}])
def test_a_missing_or_bad_reason_is_422_and_writes_nothing(
    bundle_case: Case, zhangsan, api_client, bundle_url, ledger_size, body
) -> None:
    client = api_client(zhangsan)
    before = ledger_size()
    response = _post(client, bundle_url(bundle_case.pk), body)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert ledger_size() == before and not CaseExport.objects.exists()


def test_a_blank_reason_is_refused_by_the_service(bundle_case: Case, zhangsan, api_client, bundle_url, ledger_size):
    client = api_client(zhangsan)
    before = ledger_size()
    response = _post(client, bundle_url(bundle_case.pk), {"reason": "   "})
    assert response.status_code == 422 and ledger_size() == before


def test_unauthenticated_is_401(bundle_case: Case, client, bundle_url, ledger_size) -> None:
    before = ledger_size()
    response = _post(client, bundle_url(bundle_case.pk), {"reason": REASON})
    assert response.status_code == 401 and ledger_size() == before


def test_the_party_downloads_its_own_case(bundle_case: Case, zhangsan, api_client, bundle_url, tmp_path: Path) -> None:
    # given: the party's own login (ACCESS-04)
    account = accounts.user_create(
        actor=zhangsan, username="party-lin", full_name="林大海", agency=None, roles=(Role.PARTY,)
    )
    party = Party.objects.get(case_links__case=bundle_case)
    cases.party_account_link(actor=zhangsan, party=party, account=account)

    # when
    response = _post(api_client(account), bundle_url(bundle_case.pk), {"reason": "申请行政复议"})

    # then
    assert response.status_code == 200
    assert _verifies(_body(response), tmp_path) == []
    assert CaseExport.objects.get(case=bundle_case).actor == account


def test_the_supervising_agency_downloads(bundle_case: Case, supervisor, api_client, bundle_url) -> None:
    response = _post(api_client(supervisor), bundle_url(bundle_case.pk), {"reason": "案卷评查"})
    assert response.status_code == 200
    assert CaseExport.objects.get(case=bundle_case).actor == supervisor


def test_openapi_describes_the_download(bundle_url, client) -> None:
    # the download is documented as a zip, with the usual refusals
    bundle_url(0)  # (serves the router from the tests' urlconf until it is mounted)
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/cases/{case_id}/bundle"]["post"]
    assert "application/zip" in operation["responses"]["200"]["content"]
    for status in ("401", "404", "422"):
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
        assert schema["$ref"] == "#/components/schemas/ErrorOut"
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert "reason" in json.dumps(document["components"]["schemas"]) or "reason" in json.dumps(body)
