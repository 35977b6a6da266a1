"""Bad input to the procedure endpoints gets a stable code and a Chinese message, never a 500, and writes nothing."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(clue_case):
    return clue_case


def send(client, method: str, path: str, body) -> object:
    data = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, method)(path, data=data, content_type="application/json")


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("post", "/api/v1/cases/{case}/transitions", {"action": "fly_to_the_moon"}, 422, "validation_error"),
        ("post", "/api/v1/cases/{case}/transitions", {"action": 7}, 422, "validation_error"),
        ("post", "/api/v1/cases/{case}/transitions", {}, 422, "validation_error"),
        ("post", "/api/v1/cases/{case}/transitions", {"action": "archive"}, 409, "transition_not_allowed"),
        ("post", "/api/v1/cases/{case}/transitions", "[1,2", 400, None),
        ("post", "/api/v1/cases/999999/transitions", {"action": "file_case"}, 404, "not_found"),
        ("post", "/api/v1/cases/{case}/approvals", {"action": "bribe", "reason": "x"}, 422, "validation_error"),
        ("post", "/api/v1/cases/{case}/approvals", {"action": "file_case", "reason": "   "}, 422, "validation_error"),
        ("post", "/api/v1/cases/{case}/approvals", {"action": "file_case", "reason": "x", "data": [1]}, 422, None),
        (
            "post",
            "/api/v1/cases/{case}/approvals",
            {"action": "file_case", "reason": "x", "record_id": 999999},
            422,
            "validation_error",
        ),
        (
            "post",
            "/api/v1/cases/{case}/approvals",
            {"action": "file_case", "reason": "x", "emergency": True},
            422,
            "validation_error",
        ),
        (
            "post",
            "/api/v1/cases/{case}/approvals",
            {"action": "further_extend_decision_period", "reason": "x", "data": {"days": "many"}},
            422,
            "validation_error",
        ),
        ("post", "/api/v1/approvals/999999/decision", {"approve": True}, 404, "not_found"),
        ("post", "/api/v1/findings/999999/waive", {"reason": "x"}, 404, "not_found"),
        ("put", "/api/v1/rules/parameters/no_such_key", {"value": 1, "reason": "x"}, 403, "permission_denied"),
        ("get", "/api/v1/cases/999999/deadlines", None, 404, "not_found"),
        ("get", "/api/v1/cases/999999/findings", None, 404, "not_found"),
        ("get", "/api/v1/cases/999999/actions", None, 404, "not_found"),
    ],
)
def test_bad_procedure_requests_are_refused_cleanly(
    api_client, zhangsan, case, ledger_size, method, path, body, status, code
) -> None:
    client = api_client(zhangsan)
    before = ledger_size()
    url = path.format(case=case.pk)
    response = client.get(url) if body is None else send(client, method, url, body)
    assert response.status_code == status, response.content
    payload = response.json()
    assert payload["message"]
    if code:
        assert payload["code"] == code
    assert ledger_size() == before


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("on_the_spot_max_fine_person", -5),
        ("on_the_spot_max_fine_person", "50"),
        ("on_the_spot_max_fine_person", True),
        ("on_the_spot_max_fine_person", 10**12),
        ("decision_period", {"amount": 3}),
        ("decision_period", {"amount": 3, "unit": "fortnight"}),
        ("decision_period", {"amount": 0, "unit": "day"}),
        ("av_required_kinds", ["love_letter"]),
        ("discretion_benchmarks", [{"code": "x"}]),
        ("no_such_key", 1),
    ],
)
def test_bad_parameter_values_are_422_supervise_09(api_client, principal_head, ledger_size, key, value) -> None:
    client = api_client(principal_head)
    before = ledger_size()
    response = send(client, "put", f"/api/v1/rules/parameters/{key}", {"value": value, "reason": "测试"})
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "validation_error"
    assert ledger_size() == before
