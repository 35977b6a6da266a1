"""In real Chromium: an administrator logs into the Chinese back office and registers an 执法证,
which lands in the ledger; a wrong password is refused in Chinese."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from quancheng.accounts import services
from quancheng.accounts.models import Certificate, Role
from quancheng.ledger.models import LedgerAction, LedgerEntry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def administrator(agency):
    return services.user_create(
        actor=None,
        username="admin",
        full_name="管理员",
        agency=agency,
        password="admin-pass-2026",
        roles=(Role.ADMIN,),
        is_staff=True,
        is_superuser=True,
    )


def login(page, base: str, password: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def test_wrong_password_is_refused_in_chinese(live_server, page, administrator) -> None:
    login(page, live_server.url, "wrong-password")
    expect(page.locator(".errornote")).to_contain_text("请输入一个正确的")


def test_admin_registers_a_certificate_through_the_ledger(live_server, page, administrator, zhangsan) -> None:
    # given
    login(page, live_server.url, "admin-pass-2026")
    expect(page.locator("#content")).to_contain_text("行政执法机关")
    before = LedgerEntry.objects.count()
    # when
    page.goto(f"{live_server.url}/admin/accounts/certificate/add/")
    page.select_option("#id_holder", str(zhangsan.pk))
    page.fill("#id_number", "SJ-7777")
    page.fill("#id_issuer", "示例市人民政府")
    page.fill("#id_valid_from", date.today().isoformat())
    page.fill("#id_valid_to", (date.today() + timedelta(days=365)).isoformat())
    page.click("input[name=_save]")
    # then
    expect(page.locator(".messagelist")).to_contain_text("成功")
    cert = Certificate.objects.get(number="SJ-7777")
    entry = LedgerEntry.objects.get(index=before)
    assert entry.action == LedgerAction.CERTIFICATE_SAVED
    assert entry.subject == f"certificate:{cert.pk}"
