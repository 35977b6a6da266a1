"""The calendar back office is in Chinese, saves through the service (ledgered) and never deletes."""

from datetime import date

import pytest
from django.test import Client

from quancheng.accounts import services as account_services
from quancheng.accounts.models import Role
from quancheng.ledger.models import LedgerAction, LedgerEntry
from quancheng.rules.models import CalendarDay, CalendarDayKind
from quancheng.rules.services import calendar_day_save


@pytest.fixture
def admin_user(agency):
    return account_services.user_create(
        actor=None,
        username="admin",
        full_name="管理员",
        agency=agency,
        password="pw-admin-123",
        roles=(Role.ADMIN,),
        is_staff=True,
        is_superuser=True,
    )


@pytest.fixture
def admin_client(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_list_is_in_chinese(admin_client) -> None:
    calendar_day_save(actor=None, day=date(2027, 10, 1), kind="holiday", name="国庆节", source="admin")
    body = admin_client.get("/admin/rules/calendarday/").content.decode()
    assert "节假日安排" in body
    assert "国庆节" in body


def test_adding_a_day_goes_through_the_service(admin_client, admin_user, ledger_size) -> None:
    # given
    before = ledger_size()
    # when
    response = admin_client.post(
        "/admin/rules/calendarday/add/", {"date": "2027-10-09", "kind": "workday", "name": "国庆节调休"}
    )
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    row = CalendarDay.objects.get(date=date(2027, 10, 9))
    assert (row.kind, row.source, row.created_by) == (CalendarDayKind.WORKDAY, "admin", admin_user)
    entry = LedgerEntry.objects.get(index=before)
    assert entry.action == LedgerAction.CALENDAR_DAY_SAVED
    assert entry.subject == row.ledger_subject()
    assert entry.digests["row"] == row.ledger_digest()


def test_changing_a_day_keeps_its_date_and_ledgers_the_change(admin_client, ledger_size) -> None:
    # given
    row = calendar_day_save(actor=None, day=date(2027, 10, 9), kind="workday", name="国庆节调休", source="2027.txt")
    before = ledger_size()
    # when (a posted date is ignored: the date is read-only once saved)
    response = admin_client.post(
        f"/admin/rules/calendarday/{row.pk}/change/", {"date": "2027-10-10", "kind": "holiday", "name": "国庆节"}
    )
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    row.refresh_from_db()
    assert (row.date, row.kind, row.name, row.source) == (date(2027, 10, 9), CalendarDayKind.HOLIDAY, "国庆节", "admin")
    assert LedgerEntry.objects.get(index=before).digests["row"] == row.ledger_digest()
    assert CalendarDay.objects.count() == 1


def test_no_deletes(admin_client) -> None:
    row = calendar_day_save(actor=None, day=date(2027, 10, 9), kind="workday", name="国庆节调休", source="admin")
    assert admin_client.get(f"/admin/rules/calendarday/{row.pk}/delete/").status_code == 403
    assert CalendarDay.objects.count() == 1
