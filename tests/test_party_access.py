"""ACCESS-04: a party's own login views and copies the records of its own cases, read-only, and nothing else."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from quancheng.accounts import services as accounts
from quancheng.accounts.models import Role
from quancheng.cases import services as cases
from quancheng.cases.identifiers import uscc_check_char
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.demo.media import png
from quancheng.ledger.models import LedgerAction, LedgerEntry

pytestmark = pytest.mark.django_db


def _company(officer, agency, body17: str, name: str):
    return cases.party_create(
        actor=officer,
        agency=agency,
        kind="organisation",
        name=name,
        id_number=body17 + uscc_check_char(body17),
        legal_representative="林大海",
    )


@pytest.fixture
def world(zhangsan, lisi, agency, unit, api_client):
    ours = _company(zhangsan, agency, "91330100MA2AB1C2X", "示例市鲜果超市有限公司")
    theirs = _company(zhangsan, agency, "91330100MA2CD3E4Y", "示例市百味餐饮管理有限公司")
    own_case = cases.case_open(
        actor=zhangsan,
        agency=agency,
        unit=unit,
        title="销售过期食品案",
        act_type="penalty",
        source="inspection",
        procedure="general",
        handlers=(zhangsan, lisi),
        parties=(ours,),
    )
    other_case = cases.case_open(
        actor=zhangsan,
        agency=agency,
        unit=unit,
        title="另案",
        act_type="penalty",
        source="inspection",
        procedure="general",
        handlers=(zhangsan, lisi),
        parties=(theirs,),
    )
    officer = api_client(zhangsan)
    upload = officer.post(
        f"/api/v1/cases/{own_case.pk}/media",
        {"file": SimpleUploadedFile("现场.png", png(8, 8, 1), "image/png"), "kind": "photo"},
    )
    assert upload.status_code == 201
    account = accounts.user_create(
        actor=zhangsan, username="party-lin", full_name="林大海", agency=None, roles=(Role.PARTY,)
    )
    return {
        "ours": ours,
        "own_case": own_case,
        "other_case": other_case,
        "account": account,
        "media_id": upload.json()["id"],
    }


def test_linking_a_party_account_is_ledgered(world, zhangsan) -> None:
    before = LedgerEntry.objects.count()
    party = cases.party_account_link(actor=zhangsan, party=world["ours"], account=world["account"])
    entry = LedgerEntry.objects.get(index=before)
    assert party.account_id == world["account"].pk
    assert entry.action == LedgerAction.PARTY_ACCOUNT_LINKED
    assert entry.digests["row"] == party.ledger_digest()


def test_party_reads_own_case_records_and_media_only(world, zhangsan, api_client) -> None:
    # given
    cases.party_account_link(actor=zhangsan, party=world["ours"], account=world["account"])
    client = api_client(world["account"])
    own, other = world["own_case"].pk, world["other_case"].pk
    # then: their own case, its records and its media
    listed = client.get("/api/v1/cases").json()
    assert [c["id"] for c in listed["items"]] == [own]
    assert client.get(f"/api/v1/cases/{own}").status_code == 200
    assert client.get(f"/api/v1/cases/{own}/records").status_code == 200
    # (ACCESS-05: every access to media states its purpose; a party's is 维权和申诉)
    assert client.get(f"/api/v1/media/{world['media_id']}/content", {"purpose": "rights_defence"}).status_code == 200
    assert client.get(f"/api/v1/media/{world['media_id']}/content").status_code == 422
    # and not another party's case in the same agency
    assert client.get(f"/api/v1/cases/{other}").status_code == 404
    assert client.get(f"/api/v1/cases/{other}/records").status_code == 404


def test_party_writes_nothing(world, zhangsan, api_client) -> None:
    cases.party_account_link(actor=zhangsan, party=world["ours"], account=world["account"])
    client = api_client(world["account"])
    before = LedgerEntry.objects.count()
    own = world["own_case"].pk
    drafted = client.post(
        f"/api/v1/cases/{own}/records", data=json.dumps({"kind": "service_receipt"}), content_type="application/json"
    )
    moved = client.post(
        f"/api/v1/cases/{own}/transitions",
        data=json.dumps({"action": "file_case"}),
        content_type="application/json",
    )
    asked = client.post(
        f"/api/v1/cases/{own}/approvals",
        data=json.dumps({"action": "file_case", "reason": "请求立案"}),
        content_type="application/json",
    )
    assert [r.status_code for r in (drafted, moved, asked)] == [403, 403, 403]
    assert LedgerEntry.objects.count() == before


def test_unlinked_party_account_sees_nothing(world, api_client) -> None:
    client = api_client(world["account"])
    assert client.get("/api/v1/cases").json()["items"] == []
    assert client.get(f"/api/v1/cases/{world['own_case'].pk}").status_code == 404


def test_only_a_party_role_account_of_no_agency_can_be_linked(world, zhangsan, lisi) -> None:
    with pytest.raises(DomainError) as err:
        cases.party_account_link(actor=zhangsan, party=world["ours"], account=lisi)
    assert err.value.code == ErrorCode.VALIDATION_ERROR


def test_officer_of_another_agency_cannot_link(world, outsider) -> None:
    with pytest.raises(DomainError) as err:
        cases.party_account_link(actor=outsider, party=world["ours"], account=world["account"])
    assert err.value.code == ErrorCode.PERMISSION_DENIED
