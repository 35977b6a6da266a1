"""The parties API (``parties_router``, mounted at /api/v1/parties): GEN-11 identifiers checked, scoped reads."""

from __future__ import annotations

import json

import pytest

from quancheng.cases import services
from quancheng.cases.models import Party
from quancheng.ledger.models import LedgerAction, LedgerEntry

from .helpers import VALID_ID_NUMBER, VALID_ID_NUMBER_2, VALID_USCC

BASE = "/api/v1/parties"


def post(client, body: object):
    return client.post(BASE, data=json.dumps(body), content_type="application/json")


def test_officer_registers_an_organisation(api_client, zhangsan, agency, ledger_size) -> None:
    # given
    client = api_client(zhangsan)
    before = ledger_size()
    # when
    response = post(
        client,
        {
            "kind": "organisation",
            "name": "示例市某食品有限公司",
            "id_number": VALID_USCC.lower(),
            "legal_representative": "陈某",
            "address": "示例市某区某路1号",
            "contact": "0531-12345678",
        },
    )
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["id_number"], body["kind_label"], body["agency_id"]) == (VALID_USCC, "法人或其他组织", agency.pk)
    party = Party.objects.get(pk=body["id"])
    entry = LedgerEntry.objects.get(index=before)
    assert (entry.action, entry.subject, entry.digests["row"]) == (
        LedgerAction.PARTY_CREATED,
        f"party:{party.pk}",
        party.ledger_digest(),
    )
    assert ledger_size() == before + 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"kind": "person", "name": "刘某", "id_number": "110105194912310021"}, 422, "invalid_id_number"),
        ({"kind": "person", "name": "刘某", "id_number": "110101190002290011"}, 422, "invalid_id_number"),
        (
            {
                "kind": "organisation",
                "name": "某公司",
                "id_number": "91350100M000100Y44",
                "legal_representative": "陈某",
            },
            422,
            "invalid_uscc",
        ),
        ({"kind": "organisation", "name": "某公司", "id_number": VALID_USCC}, 422, "validation_error"),  # GEN-11
        ({"kind": "alien", "name": "刘某", "id_number": VALID_ID_NUMBER}, 422, "validation_error"),
        ({"kind": "person", "id_number": VALID_ID_NUMBER}, 422, "validation_error"),  # no name
        ({"kind": "person", "name": "刘某"}, 422, "validation_error"),  # no number
        ({"kind": "person", "name": "刘某", "id_number": 11010519491231002}, 422, "validation_error"),  # a number
        ({"kind": "person", "name": ["刘某"], "id_number": VALID_ID_NUMBER}, 422, "validation_error"),
    ],
)
def test_bad_party_is_refused_and_nothing_written(api_client, zhangsan, ledger_size, body, status, code) -> None:
    client = api_client(zhangsan)
    before = ledger_size()
    response = post(client, body)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert ledger_size() == before
    assert not Party.objects.exists()


def test_duplicate_number_is_409(api_client, zhangsan, person, ledger_size) -> None:
    client = api_client(zhangsan)
    before = ledger_size()
    response = post(client, {"kind": "person", "name": "刘某", "id_number": VALID_ID_NUMBER})
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate"
    assert ledger_size() == before


def test_supervisor_cannot_register_parties(api_client, supervisor, ledger_size) -> None:
    client = api_client(supervisor)
    before = ledger_size()
    response = post(client, {"kind": "person", "name": "刘某", "id_number": VALID_ID_NUMBER})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert ledger_size() == before


def test_list_and_detail_are_scoped(api_client, zhangsan, person, company, outsider, other_agency) -> None:
    # given
    foreign = services.party_create(
        actor=outsider, agency=other_agency, kind="person", name="外某", id_number=VALID_ID_NUMBER_2
    )
    client = api_client(zhangsan)
    # when
    listed = client.get(BASE).json()
    searched = client.get(BASE, {"q": "食品"}).json()
    own = client.get(f"{BASE}/{person.pk}")
    other = client.get(f"{BASE}/{foreign.pk}")
    # then
    assert {p["id"] for p in listed["items"]} == {person.pk, company.pk}
    assert [p["id"] for p in searched["items"]] == [company.pk]
    assert own.status_code == 200 and own.json()["name"] == "刘某"
    assert other.status_code == 404 and other.json()["code"] == "not_found"
