"""The back office shows cases and parties in Chinese, read only: only services write these rows."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from quancheng.accounts import services as accounts
from quancheng.cases.models import Stage


@pytest.fixture
def admin_client_(db) -> Client:
    admin = accounts.user_create(
        actor=None,
        username="root",
        full_name="管理员",
        agency=None,
        password="pw-root",
        is_staff=True,
        is_superuser=True,
    )
    client = Client()
    client.force_login(admin)
    return client


@pytest.mark.parametrize("model", ["case", "party", "stagechange", "casenumbersequence"])
def test_changelists_render(admin_client_, staffed_case, person, advance, model) -> None:
    advance(staffed_case, Stage.INVESTIGATION_EVIDENCE)
    response = admin_client_.get(reverse(f"admin:cases_{model}_changelist"))
    assert response.status_code == 200


def test_case_page_is_read_only(admin_client_, staffed_case, ledger_size) -> None:
    # given
    before = ledger_size()
    url = reverse("admin:cases_case_change", args=[staffed_case.pk])
    # when
    page = admin_client_.get(url)
    posted = admin_client_.post(url, {"title": "改过的案由"})
    # then: the page shows the case, but nothing can be saved, added or deleted
    assert page.status_code == 200
    assert staffed_case.number in page.content.decode()
    assert posted.status_code == 403
    assert admin_client_.get(reverse("admin:cases_case_add")).status_code == 403
    assert admin_client_.get(reverse("admin:cases_case_delete", args=[staffed_case.pk])).status_code == 403
    staffed_case.refresh_from_db()
    assert staffed_case.title != "改过的案由"
    assert ledger_size() == before
