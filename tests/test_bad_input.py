"""Bad input refused the same way by every operation (``quancheng.core.parser`` and the handlers in
``quancheng.core.api``): text and numbers the databases or the ledger cannot keep, bodies that are not JSON
objects, bodies too large to read. Each answer is a 4xx ``{"code", "message"}`` with a Chinese message, and
nothing is written. Found by fuzzing the API (schemathesis and hand probes): each case below used to be a 500
(on SQLite, on PostgreSQL, or both), an English message, an HTML page, or a silently accepted request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from quancheng.accounts.models import Agency, Unit, User
from quancheng.cases import services as cases
from quancheng.cases.models import ActType, Case, CaseSource, Procedure
from quancheng.core.parser import MAX_SAFE_INTEGER
from quancheng.records import services as records
from quancheng.records.models import Record

HAN = re.compile(r"[\u4e00-\u9fff]")
JSON = "application/json"


def _refused(
    response: Any, status: int, ledger_size: Callable[[], int], before: int, code: str = "validation_error"
) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert HAN.search(body["message"]), body["message"]
    assert ledger_size() == before
    return body


@pytest.fixture
def case(zhangsan: User, agency: Agency, unit: Unit) -> Case:
    return cases.case_open(
        actor=zhangsan,
        agency=agency,
        unit=unit,
        title="涉嫌销售过期食品案",
        act_type=ActType.PENALTY,
        source=CaseSource.INSPECTION,
        procedure=Procedure.GENERAL,
    )


@pytest.fixture
def draft(case: Case, zhangsan: User) -> Record:
    return records.record_draft(actor=zhangsan, case=case, kind="general_activity_record", content={"purpose": "检查"})


def case_body(fields: str) -> str:
    """A raw POST /api/v1/cases body: ``fields`` (raw JSON members) plus the required enumerations."""
    return "{" + fields + ', "act_type": "penalty", "source": "inspection"}'


# (label, raw JSON body for POST /api/v1/cases, location of the refused value)
UNSTORABLE_CASE_BODIES = [
    ("NUL in title", case_body('"title": "a\\u0000b"'), ["body", "title"]),
    # summary has no length limit: before the parser, PostgreSQL's "cannot contain NUL" surfaced as a 500.
    ("NUL in summary", case_body('"title": "t", "summary": "\\u0000"'), ["body", "summary"]),
    # A lone surrogate cannot be encoded as UTF-8 for the database: a 500 on both databases.
    ("lone surrogate in summary", case_body('"title": "t", "summary": "\\ud800"'), ["body", "summary"]),
    # pk__in with an integer beyond 64 bits: OverflowError on SQLite (a 500).
    ("id beyond 64 bits", case_body('"title": "t", "handler_ids": [99999999999999999999]'), ["body", "handler_ids", 0]),
    # Beyond I-JSON: RFC 8785 (the ledger's canonical JSON) cannot represent it.
    ("beyond I-JSON", case_body(f'"title": "t", "party_ids": [{MAX_SAFE_INTEGER + 1}]'), ["body", "party_ids", 0]),
    ("NaN", case_body('"title": NaN'), ["body", "title"]),
    ("Infinity", case_body('"title": "t", "unit_id": 1e400'), ["body", "unit_id"]),
    ("top level null", "null", ["body"]),
    ("top level string", '"title"', ["body"]),
]


@pytest.mark.parametrize(("label", "raw", "loc"), UNSTORABLE_CASE_BODIES, ids=[b[0] for b in UNSTORABLE_CASE_BODIES])
def test_unstorable_values_in_a_body_are_422_and_write_nothing(
    api_client, zhangsan, ledger_size, label: str, raw: str, loc: list[str | int]
) -> None:
    # given
    client = api_client(zhangsan)
    before = ledger_size()
    # when
    response = client.post("/api/v1/cases", data=raw.encode("utf-8"), content_type=JSON)
    # then
    body = _refused(response, 422, ledger_size, before)
    assert loc in [error["loc"] for error in body["errors"]], (label, body)
    assert not Case.objects.exists()


def test_nul_nested_in_record_content_is_422_with_its_location(api_client, zhangsan, case, ledger_size) -> None:
    # given
    client = api_client(zhangsan)
    before = ledger_size()
    body = {"kind": "general_activity_record", "content": {"legal_basis": "《行政处罚法》\x00第五十五条"}}
    # when
    response = client.post(f"/api/v1/cases/{case.pk}/records", data=json.dumps(body), content_type=JSON)
    # then
    refused = _refused(response, 422, ledger_size, before)
    assert refused["errors"][0]["loc"] == ["body", "content", "legal_basis"]
    assert not Record.objects.exists()


def test_lone_surrogate_in_a_content_key_is_422_not_a_500(api_client, zhangsan, case, ledger_size) -> None:
    """The refusal used to echo the key in its message; a lone surrogate cannot even be encoded in the reply."""
    # given
    client = api_client(zhangsan)
    before = ledger_size()
    raw = b'{"kind": "general_activity_record", "content": {"\\ud800": "x"}}'
    # when
    response = client.post(f"/api/v1/cases/{case.pk}/records", data=raw, content_type=JSON)
    # then
    refused = _refused(response, 422, ledger_size, before)
    assert refused["errors"][0]["loc"] == ["body", "content", "\\ud800"]
    assert not Record.objects.exists()


@pytest.mark.parametrize("raw", ["[]", '["place", "别处"]', '"x"', "null", "42"])
def test_a_patch_body_that_is_not_an_object_is_422_not_an_empty_patch(
    api_client, zhangsan, draft, ledger_size, raw: str
) -> None:
    """Every field of the draft patch is optional, so a non-object body used to be an accepted no-op (200)."""
    # given
    client = api_client(zhangsan)
    before = ledger_size()
    # when
    response = client.patch(f"/api/v1/records/{draft.pk}", data=raw, content_type=JSON)
    # then
    body = _refused(response, 422, ledger_size, before)
    assert body["errors"] == [{"loc": ["body"], "msg": "应为 JSON 对象({...})", "type": "object_type"}]
    draft.refresh_from_db()
    assert draft.place == "" and draft.content == {"purpose": "检查"}


@pytest.mark.parametrize(
    ("raw", "content_type", "says"),
    [
        (b"{not json", JSON, "JSON"),
        (b'{"title": "\xff\xfe"}', JSON, "UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, JSON, "嵌套过深"),
        (b"title=t&act_type=penalty&source=inspection", "application/x-www-form-urlencoded", "JSON"),
    ],
    ids=["not JSON", "not UTF-8", "nested too deep", "form-encoded"],
)
def test_a_body_that_is_not_json_is_400_in_chinese(
    api_client, zhangsan, ledger_size, raw: bytes, content_type: str, says: str
) -> None:
    """It used to be ninja's English "Cannot parse request body"."""
    # given
    client = api_client(zhangsan)
    before = ledger_size()
    # when
    response = client.post("/api/v1/cases", data=raw, content_type=content_type)
    # then
    body = _refused(response, 400, ledger_size, before)
    assert says in body["message"]
    assert not Case.objects.exists()


def test_a_body_over_the_size_limit_is_413_json_not_an_html_page(api_client, zhangsan, ledger_size, settings) -> None:
    # given
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = api_client(zhangsan)
    before = ledger_size()
    body = {"title": "t", "summary": "案情" * 1000, "act_type": "penalty", "source": "inspection"}
    # when
    response = client.post("/api/v1/cases", data=json.dumps(body), content_type=JSON)
    # then
    refused = _refused(response, 413, ledger_size, before, code="request_too_large")
    assert "1024" in refused["message"]
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/cases?q=a%00b", "q"),
        ("/api/v1/parties?q=%00", "q"),
        ("/api/v1/ledger/entries?subject=x%00", "subject"),
    ],
)
def test_nul_in_a_query_parameter_is_422(api_client, zhangsan, path: str, param: str) -> None:
    """PostgreSQL refuses NUL even in a query's parameters: this was a 500 there."""
    # when
    response = api_client(zhangsan).get(path)
    # then
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["loc"] == ["query", param]


def test_a_failed_csrf_check_is_403_in_chinese(zhangsan, ledger_size) -> None:
    """ninja raises it in English ("CSRF check Failed")."""
    # given
    client = Client(enforce_csrf_checks=True)
    client.force_login(zhangsan)
    before = ledger_size()
    body = {"title": "t", "act_type": "penalty", "source": "inspection"}
    # when
    response = client.post("/api/v1/cases", data=json.dumps(body), content_type=JSON)
    # then
    refused = _refused(response, 403, ledger_size, before, code="permission_denied")
    assert "CSRF" in refused["message"]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("delete", "/api/v1/cases", 405, "method_not_allowed"),  # ninja: text/html "Method not allowed"
        ("put", "/api/v1/ledger/head", 405, "method_not_allowed"),
        ("get", "/api/v1/no-such-endpoint", 404, "not_found"),  # Django: its HTML 404 page
        ("get", "/api/v1/cases/1/no-such-thing", 404, "not_found"),
    ],
)
def test_refusals_made_before_the_api_runs_are_json_too(
    api_client, zhangsan, ledger_size, method: str, path: str, status: int, code: str
) -> None:
    # given
    client = api_client(zhangsan)
    before = ledger_size()
    # when
    response = getattr(client, method)(path)
    # then
    assert response["Content-Type"].startswith("application/json")
    body = _refused(response, status, ledger_size, before, code=code)
    if status == 405:
        assert response["Allow"] and response["Allow"] in body["message"]


def test_pages_outside_the_api_keep_their_html_refusals(db) -> None:
    response = Client().get("/no-such-page")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")
