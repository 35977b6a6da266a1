"""The cases API: happy paths, and bad input answered 4xx with {code, message} while nothing is written."""

from __future__ import annotations

import json

import pytest

from quancheng.accounts import services as accounts
from quancheng.cases import services
from quancheng.cases.models import Case, Stage
from quancheng.ledger.models import LedgerAction, LedgerEntry

BASE = "/api/v1/cases"


def post(client, path: str, body: object, method: str = "post"):
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def case_body(zhangsan, lisi, company) -> dict:
    return {
        "title": "涉嫌销售过期食品案",
        "act_type": "penalty",
        "source": "inspection",
        "procedure": "general",
        "summary": "现场检查发现货架上有超过保质期的食品",
        "occurred_at": "2026-01-05T10:30:00+08:00",
        "occurred_place": "示例市某超市",
        "handler_ids": [zhangsan.pk, lisi.pk],
        "party_ids": [company.pk],
    }


def test_officer_opens_a_case(api_client, zhangsan, lisi, company, case_body, ledger_size) -> None:
    # given
    client = api_client(zhangsan)
    before = ledger_size()
    year = services.local_today().year
    # when
    response = post(client, BASE, case_body)
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == f"示市监立〔{year}〕1号"
    assert body["stage"] == "program_start" and body["stage_label"] == "程序启动"
    assert body["act_type_label"] == "行政处罚"
    assert body["unit_id"] == zhangsan.unit_id
    assert [(h["user_id"], h["is_lead"]) for h in body["handlers"]] == [(zhangsan.pk, True), (lisi.pk, False)]
    assert [p["party_id"] for p in body["parties"]] == [company.pk]
    assert body["step"] == "clue"
    assert body["next_actions"] == ["file_case", "decline_filing"]
    case = Case.objects.get(pk=body["id"])
    assert ledger_size() == before + 4  # case, two handlers, one party
    opened = LedgerEntry.objects.get(index=before)
    assert (opened.action, opened.subject, opened.digests["row"]) == (
        LedgerAction.CASE_OPENED,
        f"case:{case.pk}",
        case.ledger_digest(),
    )


def _bad_bodies(case_body: dict) -> list[tuple[str, dict | str]]:
    def without(key: str) -> dict:
        return {k: v for k, v in case_body.items() if k != key}

    return [
        ("missing title", without("title")),
        ("missing act_type", without("act_type")),
        ("unknown act_type", {**case_body, "act_type": "parking_ticket"}),  # GEN-01
        ("unknown source", {**case_body, "source": "rumour"}),
        ("unknown procedure", {**case_body, "procedure": "fast"}),
        ("title of wrong type", {**case_body, "title": 12345}),
        ("handler ids not a list", {**case_body, "handler_ids": "zhangsan"}),
        ("handler id not a number", {**case_body, "handler_ids": ["abc"]}),
        ("occurred_at not a time", {**case_body, "occurred_at": "yesterday"}),
        ("title too long", {**case_body, "title": "案" * 300}),
        ("blank title", {**case_body, "title": "   "}),
        ("body not an object", [1, 2, 3]),
        ("not JSON", "{not json"),
    ]


@pytest.mark.parametrize("index", range(13))
def test_bad_case_body_is_422_and_writes_nothing(api_client, zhangsan, case_body, ledger_size, index) -> None:
    # given
    label, body = _bad_bodies(case_body)[index]
    client = api_client(zhangsan)
    before = ledger_size()
    # when
    if isinstance(body, str):
        response = client.post(BASE, data=body, content_type="application/json")
    else:
        response = post(client, BASE, body)
    # then
    assert response.status_code in (400, 422), (label, response.content)
    payload = response.json()
    assert payload["code"] == "validation_error", label
    assert payload["message"]
    assert ledger_size() == before
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ("outsider_handler", 422, "validation_error"),
        ("foreign_unit", 422, "validation_error"),
        ("foreign_party", 404, "not_found"),
        ("missing_party", 404, "not_found"),
    ],
)
def test_references_outside_the_agency_are_refused(
    api_client, zhangsan, outsider, other_agency, case_body, ledger_size, change, status, code
) -> None:
    # given
    if change == "outsider_handler":
        case_body["handler_ids"] = [zhangsan.pk, outsider.pk]
    elif change == "foreign_unit":
        case_body["unit_id"] = accounts.unit_create(actor=None, agency=other_agency, name="稽查大队").pk
    elif change == "foreign_party":
        foreign = services.party_create(
            actor=outsider, agency=other_agency, kind="person", name="外某", id_number="440524188001010014"
        )
        case_body["party_ids"] = [foreign.pk]
    else:
        case_body["party_ids"] = [999_999]
    client = api_client(zhangsan)
    before = ledger_size()
    # when
    response = post(client, BASE, case_body)
    # then
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert ledger_size() == before


@pytest.mark.parametrize("who", ["supervisor", "reviewer"])
def test_non_officers_cannot_open_cases(request, api_client, case_body, ledger_size, who) -> None:
    client = api_client(request.getfixturevalue(who))
    before = ledger_size()
    response = post(client, BASE, case_body)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert ledger_size() == before


def test_unauthenticated_request_is_401(db, client, ledger_size) -> None:
    before = ledger_size()
    response = client.post(BASE, data="{}", content_type="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert ledger_size() == before


def test_list_and_filter_by_stage(api_client, open_case, advance, zhangsan, lisi) -> None:
    # given
    first = open_case(handlers=[zhangsan, lisi])
    second = open_case(title="涉嫌无照经营案")
    advance(first, Stage.INVESTIGATION_EVIDENCE)
    client = api_client(zhangsan)
    # when
    everything = client.get(BASE).json()
    investigating = client.get(BASE, {"stage": "investigation_evidence"}).json()
    searched = client.get(BASE, {"q": "无照"}).json()
    # then
    assert everything["count"] == 2
    assert [c["id"] for c in everything["items"]] == [second.pk, first.pk]
    assert [c["id"] for c in investigating["items"]] == [first.pk]
    assert [c["id"] for c in searched["items"]] == [second.pk]


def test_list_with_unknown_stage_is_422(api_client, zhangsan) -> None:
    response = api_client(zhangsan).get(BASE, {"stage": "closed"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_detail_of_own_case(api_client, staffed_case, zhangsan) -> None:
    response = api_client(zhangsan).get(f"{BASE}/{staffed_case.pk}")
    assert response.status_code == 200
    assert response.json()["number"] == staffed_case.number


@pytest.mark.parametrize("path", ["", "/handlers", "/parties", "/transitions", "/actions", "/approvals"])
def test_another_agencys_case_is_404_for_every_path(
    api_client, staffed_case, outsider, person, ledger_size, path
) -> None:
    # given
    client = api_client(outsider)
    before = ledger_size()
    url = f"{BASE}/{staffed_case.pk}{path}"
    # when
    if path in ("", "/actions"):
        response = client.get(url)
    elif path == "/handlers":
        response = post(client, url, {"handler_ids": [outsider.pk], "lead_id": outsider.pk}, method="put")
    elif path == "/parties":
        response = post(client, url, {"party_id": person.pk})
    elif path == "/approvals":
        response = post(client, url, {"action": "file_case", "reason": "拟立案"})
    else:
        response = post(client, url, {"action": "file_case"})
    # then: indistinguishable from a case that does not exist
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "not_found"
    assert ledger_size() == before


def test_supervisor_reads_but_cannot_write(api_client, staffed_case, supervisor, zhangsan, person, ledger_size) -> None:
    # given: 示例市司法局's 监督人员 supervises 示例市市场监督管理局
    client = api_client(supervisor)
    before = ledger_size()
    url = f"{BASE}/{staffed_case.pk}"
    # when / then: reading works
    assert client.get(url).status_code == 200
    assert client.get(BASE).json()["count"] == 1
    # and every write is forbidden, writing nothing
    responses = [
        post(client, f"{url}/handlers", {"handler_ids": [zhangsan.pk], "lead_id": zhangsan.pk}, method="put"),
        post(client, f"{url}/parties", {"party_id": person.pk}),
        post(client, f"{url}/transitions", {"action": "file_case"}),
        post(client, f"{url}/approvals", {"action": "file_case", "reason": "拟立案"}),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert {r.json()["code"] for r in responses} == {"permission_denied"}
    assert ledger_size() == before
    assert Case.objects.get(pk=staffed_case.pk).stage == Stage.PROGRAM_START
    # reading the actions works
    assert client.get(f"{url}/actions").status_code == 200


def test_non_numeric_case_id_is_422(api_client, zhangsan) -> None:
    response = api_client(zhangsan).get(f"{BASE}/abc")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_set_handlers(api_client, open_case, zhangsan, lisi, ledger_size) -> None:
    # given
    case = open_case()
    client = api_client(zhangsan)
    before = ledger_size()
    # when
    response = post(
        client, f"{BASE}/{case.pk}/handlers", {"handler_ids": [zhangsan.pk, lisi.pk], "lead_id": lisi.pk}, "put"
    )
    # then
    assert response.status_code == 200, response.content
    assert [(h["user_id"], h["is_lead"]) for h in response.json()["handlers"]] == [
        (lisi.pk, True),
        (zhangsan.pk, False),
    ]
    assert ledger_size() == before + 2


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"handler_ids": [], "lead_id": 1}, "validation_error"),
        ({"handler_ids": ["x"], "lead_id": 1}, "validation_error"),
        ({"handler_ids": [1]}, "validation_error"),
        ("lead_not_listed", "validation_error"),
        ("unknown_user", "validation_error"),
    ],
)
def test_bad_handler_bodies_write_nothing(api_client, staffed_case, zhangsan, lisi, ledger_size, body, code) -> None:
    if body == "lead_not_listed":
        body = {"handler_ids": [zhangsan.pk], "lead_id": lisi.pk}
    elif body == "unknown_user":
        body = {"handler_ids": [zhangsan.pk, 999_999], "lead_id": zhangsan.pk}
    client = api_client(zhangsan)
    before = ledger_size()
    response = post(client, f"{BASE}/{staffed_case.pk}/handlers", body, "put")
    assert response.status_code == 422, response.content
    assert response.json()["code"] == code
    assert ledger_size() == before


def test_add_party(api_client, staffed_case, zhangsan, person, ledger_size) -> None:
    client = api_client(zhangsan)
    before = ledger_size()
    response = post(client, f"{BASE}/{staffed_case.pk}/parties", {"party_id": person.pk})
    assert response.status_code == 201, response.content
    assert [p["party_id"] for p in response.json()["parties"]] == [person.pk]
    assert ledger_size() == before + 1
    # and the same party again is a conflict
    again = post(client, f"{BASE}/{staffed_case.pk}/parties", {"party_id": person.pk})
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate"
    assert ledger_size() == before + 1


def test_staff_01_over_the_api(api_client, open_case, prepare, zhangsan, lisi, ledger_size) -> None:
    """STAFF-01: refused with one certified handler (409, naming the rule), accepted once a second joins."""
    # given: a case with the filing form sealed and the filing approved (START-09), one handler
    case = prepare(open_case(handlers=[zhangsan]), "file_case")
    client = api_client(zhangsan)
    before = ledger_size()
    stage_url = f"{BASE}/{case.pk}/transitions"
    # when
    refused = post(client, stage_url, {"action": "file_case"})
    # then
    assert refused.status_code == 409
    assert refused.json()["code"] == "staffing_insufficient"
    assert "STAFF-01" in refused.json()["message"]
    assert ledger_size() == before
    # when a second certified officer is assigned, the same request succeeds
    post(client, f"{BASE}/{case.pk}/handlers", {"handler_ids": [zhangsan.pk, lisi.pk], "lead_id": zhangsan.pk}, "put")
    accepted = post(client, stage_url, {"action": "file_case", "note": "已立案"})
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert (body["step"], body["stage"]) == ("investigation", "investigation_evidence")
    assert [
        (c["action"], c["from_step"], c["to_step"], c["from_stage"], c["to_stage"], c["note"])
        for c in body["stage_changes"]
    ] == [("file_case", "clue", "investigation", "program_start", "investigation_evidence", "已立案")]
    assert body["next_actions"] == ["submit_for_review"]


def test_blocking_rule_refusal_over_the_api(api_client, staffed_case, zhangsan, principal_head, ledger_size) -> None:
    """START-09: filing without the principal head's approval is 409 rule_violation naming the rule, the
    requirement and its words; GET /actions shows the same problems before trying."""
    client = api_client(zhangsan)
    url = f"{BASE}/{staffed_case.pk}"
    # given: what the action list says
    actions = {a["action"]: a for a in client.get(f"{url}/actions").json()}
    assert set(actions) == {"file_case", "decline_filing"}
    assert actions["file_case"]["allowed"] is False
    assert "START-09" in {p["requirement"] for p in actions["file_case"]["problems"]}
    before = ledger_size()
    # when
    response = post(client, f"{url}/transitions", {"action": "file_case"})
    # then
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "rule_violation"
    assert body["rule"] in {"filing-approved", "filing-record"}
    assert body["requirement"]
    assert body["quote"] and body["message"]
    assert ledger_size() == before
    assert Case.objects.get(pk=staffed_case.pk).step == "clue"


def test_approval_over_the_api(
    api_client, staffed_case, zhangsan, lisi, principal_head, unit_head, ledger_size
) -> None:
    """START-09: the handler asks, the principal head (not the asker, not another head) decides, once."""
    url = f"{BASE}/{staffed_case.pk}/approvals"
    # when: 张三 asks for the filing approval
    asked = post(api_client(zhangsan), url, {"action": "file_case", "reason": "涉嫌销售过期食品,拟立案调查"})
    # then: the role comes from the rule
    assert asked.status_code == 201, asked.content
    approval = asked.json()
    assert (approval["status"], approval["approver_role"]) == ("pending", "principal_head")
    decision = f"/api/v1/approvals/{approval['id']}/decision"
    # a unit head may not decide it; nothing is written
    head_client = api_client(unit_head)
    before = ledger_size()
    wrong = post(head_client, decision, {"approve": True, "comment": "同意"})
    assert wrong.status_code == 403 and wrong.json()["code"] == "permission_denied"
    assert ledger_size() == before
    # the principal head approves
    decided = post(api_client(principal_head), decision, {"approve": True, "comment": "同意立案"})
    assert decided.status_code == 200, decided.content
    assert (decided.json()["status"], decided.json()["decided_by_id"]) == ("approved", principal_head.pk)
    # and only once
    again = post(api_client(principal_head), decision, {"approve": False, "comment": "不同意"})
    assert again.status_code == 409 and again.json()["code"] == "approval_decided"
    assert [a["status"] for a in api_client(lisi).get(url).json()] == ["approved"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"action": "closed"}, 422, "validation_error"),
        ({}, 422, "validation_error"),
        ({"action": 3}, 422, "validation_error"),
        ({"to_stage": "investigation_evidence"}, 422, "validation_error"),
        ({"action": "archive"}, 409, "transition_not_allowed"),
        ({"action": "decide"}, 409, "transition_not_allowed"),
        ({"action": "impose_on_the_spot"}, 409, "transition_not_allowed"),
    ],
)
def test_bad_transition_requests_write_nothing(
    api_client, staffed_case, zhangsan, ledger_size, body, status, code
) -> None:
    client = api_client(zhangsan)
    before = ledger_size()
    response = post(client, f"{BASE}/{staffed_case.pk}/transitions", body)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert ledger_size() == before


def test_archived_case_refuses_writes_over_the_api(api_client, archived_case, zhangsan, person, ledger_size) -> None:
    client = api_client(zhangsan)
    before = ledger_size()
    url = f"{BASE}/{archived_case.pk}"
    responses = [
        post(client, f"{url}/transitions", {"action": "archive"}),
        post(client, f"{url}/parties", {"party_id": person.pk}),
        post(client, f"{url}/handlers", {"handler_ids": [zhangsan.pk], "lead_id": zhangsan.pk}, "put"),
    ]
    assert [(r.status_code, r.json()["code"]) for r in responses] == [(409, "case_closed")] * 3
    assert ledger_size() == before
    assert client.get(url).json()["next_actions"] == []


def test_openapi_lists_the_enumerations(db, client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert set(schema["components"]["schemas"]["ActType"]["enum"]) == {
        "licensing",
        "penalty",
        "coercion",
        "charge",
        "inspection",
        "confirmation",
        "levy",
    }
    assert "/api/v1/cases/{case_id}/transitions" in schema["paths"]
    assert "/api/v1/cases/{case_id}/stage" not in schema["paths"]
    assert "/api/v1/approvals/{approval_id}/decision" in schema["paths"]
    assert "clue" in schema["components"]["schemas"]["Step"]["enum"]


# --- values the databases cannot take (found by fuzzing; each was a 500) ------------------------------


@pytest.mark.parametrize("path", [BASE, "/api/v1/parties"])
@pytest.mark.parametrize(
    "query",
    ["offset=99999999999999999999", "limit=99999999999999999999", "offset=9223372036854775808"],
)
def test_page_parameters_beyond_the_database_range_are_422(api_client, open_case, zhangsan, path, query) -> None:
    """LIMIT/OFFSET beyond 64 bits: SQLite "datatype mismatch", PostgreSQL "bigint out of range"."""
    # given
    open_case()
    client = api_client(zhangsan)
    # when
    response = client.get(f"{path}?{query}")
    # then
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["loc"][-1] == query.split("=")[0]


def test_the_largest_offset_the_database_takes_is_an_empty_page(api_client, open_case, zhangsan) -> None:
    # given
    open_case()
    # when
    response = api_client(zhangsan).get(f"{BASE}?offset={2**63 - 1}")
    # then
    assert response.status_code == 200, response.content
    assert response.json() == {"items": [], "count": 1}


@pytest.mark.parametrize(
    "occurred_at",
    [
        "0001-01-01T00:00:00+14:00",  # year 0 in UTC
        "9999-12-31T23:59:59-23:59",  # year 10000 in UTC; PostgreSQL also refuses the -23:59 offset
        "0001-01-01T00:00:00",  # no offset: read as 北京时间, which is year 0 in UTC
        "-1",  # pydantic would read a Unix timestamp: 1969-12-31
        "1772000000",
    ],
)
def test_occurred_at_that_cannot_be_stored_is_422(api_client, zhangsan, case_body, ledger_size, occurred_at) -> None:
    # given
    client = api_client(zhangsan)
    before = ledger_size()
    # when
    response = post(client, BASE, {**case_body, "occurred_at": occurred_at})
    # then
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["loc"] == ["body", "payload", "occurred_at"]
    assert ledger_size() == before
    assert not Case.objects.exists()


def test_occurred_at_without_offset_is_beijing_time(api_client, zhangsan, case_body) -> None:
    # given
    client = api_client(zhangsan)
    # when
    response = post(client, BASE, {**case_body, "occurred_at": "2026-01-05T10:30:00"})
    # then
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert case.occurred_at.isoformat() == "2026-01-05T02:30:00+00:00"
