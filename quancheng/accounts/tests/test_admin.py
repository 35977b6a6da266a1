"""The back office speaks Chinese, writes through services (so the ledger grows) and never deletes."""

import pytest
from django.test import Client

from quancheng.accounts import services
from quancheng.accounts.models import Agency, Certificate, Role, User
from quancheng.ledger.models import LedgerAction, LedgerEntry


@pytest.fixture
def admin_client(agency) -> Client:
    admin = services.user_create(
        actor=None,
        username="admin",
        full_name="管理员",
        agency=agency,
        password="pw-admin-123",
        roles=(Role.ADMIN,),
        is_staff=True,
        is_superuser=True,
    )
    client = Client()
    client.force_login(admin)
    return client


def test_admin_index_is_in_chinese(admin_client) -> None:
    body = admin_client.get("/admin/").content.decode()
    assert "行政执法机关" in body
    assert "执法证" in body


def test_adding_an_agency_in_admin_appends_a_ledger_entry(admin_client, ledger_size) -> None:
    before = ledger_size()
    response = admin_client.post(
        "/admin/accounts/agency/add/",
        {
            "name": "示例县城市管理局",
            "short_name": "示县城",
            "case_number_prefix": "示县城立",
            "address": "",
            "created_at_0": "2026-01-01",
            "created_at_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agency = Agency.objects.get(name="示例县城市管理局")
    entry = LedgerEntry.objects.get(index=before)
    assert entry.action == LedgerAction.AGENCY_SAVED
    assert entry.subject == f"agency:{agency.pk}"
    assert entry.digests["row"] == agency.ledger_digest()


def test_editing_a_certificate_in_admin_is_ledgered(admin_client, zhangsan) -> None:
    cert = Certificate.objects.get(holder=zhangsan)
    response = admin_client.post(
        f"/admin/accounts/certificate/{cert.pk}/change/",
        {
            "holder": zhangsan.pk,
            "number": cert.number,
            "issuer": cert.issuer,
            "scope": "全市",
            "valid_from": cert.valid_from.isoformat(),
            "valid_to": cert.valid_to.isoformat(),
            "revoked": "on",
            "revoked_reason": "调离",
        },
    )
    assert response.status_code == 302
    cert.refresh_from_db()
    assert cert.revoked
    assert LedgerEntry.objects.filter(subject=f"certificate:{cert.pk}").last().digests["row"] == cert.ledger_digest()


def test_nothing_can_be_deleted_in_admin(admin_client, zhangsan) -> None:
    response = admin_client.post(f"/admin/accounts/user/{zhangsan.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=zhangsan.pk).exists()


def test_staff_of_another_agency_sees_only_their_own_people(outsider, zhangsan) -> None:
    # given: a non-superuser staff account of 另一市 with permission to view people
    from django.contrib.auth.models import Permission

    outsider.is_staff = True
    services.backoffice_save(actor=None, obj=outsider)
    outsider.user_permissions.add(Permission.objects.get(codename="view_user"))
    client = Client()
    client.force_login(outsider)
    # when
    body = client.get("/admin/accounts/user/").content.decode()
    # then
    assert "outsider" in body
    assert "zhangsan" not in body
    assert client.get(f"/admin/accounts/user/{zhangsan.pk}/change/").status_code in {302, 404}


def test_revoking_a_certificate_in_admin_needs_a_reason_and_cannot_be_undone(admin_client, zhangsan) -> None:
    cert = Certificate.objects.get(holder=zhangsan)
    form = {
        "holder": zhangsan.pk,
        "number": cert.number,
        "issuer": cert.issuer,
        "scope": "",
        "valid_from": cert.valid_from.isoformat(),
        "valid_to": cert.valid_to.isoformat(),
    }
    no_reason = admin_client.post(f"/admin/accounts/certificate/{cert.pk}/change/", {**form, "revoked": "on"})
    assert no_reason.status_code == 200 and "注销执法证须填写注销原因" in no_reason.content.decode()
    cert.refresh_from_db()
    assert not cert.revoked

    admin_client.post(
        f"/admin/accounts/certificate/{cert.pk}/change/", {**form, "revoked": "on", "revoked_reason": "调离执法岗位"}
    )
    cert.refresh_from_db()
    assert cert.revoked
    assert (
        LedgerEntry.objects.filter(subject=f"certificate:{cert.pk}").last().action == LedgerAction.CERTIFICATE_REVOKED
    )

    undo = admin_client.post(f"/admin/accounts/certificate/{cert.pk}/change/", form)
    assert "不能恢复" in undo.content.decode()
    cert.refresh_from_db()
    assert cert.revoked
