"""Shared personas for the whole suite (design.md § Tests).

示例市市场监督管理局 with officers 张三 and 李四 (valid 执法证), a legal reviewer, a unit head, a principal
head; 示例市司法局 supervises it; an officer of 另一市市场监督管理局 is the outsider.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.test import Client

from quancheng.accounts import services as accounts
from quancheng.accounts.models import Agency, Role, Unit, User
from quancheng.ledger.models import LedgerEntry


@pytest.fixture
def supervising_agency(db) -> Agency:
    return accounts.agency_create(actor=None, name="示例市司法局", short_name="示市司", case_number_prefix="示市司")


@pytest.fixture
def agency(supervising_agency: Agency) -> Agency:
    return accounts.agency_create(
        actor=None,
        name="示例市市场监督管理局",
        short_name="示市监",
        case_number_prefix="示市监立",
        supervising_agency=supervising_agency,
    )


@pytest.fixture
def unit(agency: Agency) -> Unit:
    return accounts.unit_create(actor=None, agency=agency, name="执法稽查科")


@pytest.fixture
def other_agency(db) -> Agency:
    return accounts.agency_create(
        actor=None, name="另一市市场监督管理局", short_name="另市监", case_number_prefix="另市监立"
    )


def _officer(
    agency: Agency,
    unit: Unit | None,
    username: str,
    full_name: str,
    cert_no: str,
    roles: tuple[Role, ...] = (Role.OFFICER,),
) -> User:
    user = accounts.user_create(
        actor=None,
        username=username,
        full_name=full_name,
        agency=agency,
        unit=unit,
        password="pw-" + username,
        roles=roles,
    )
    today = date.today()
    accounts.certificate_issue(
        actor=None,
        holder=user,
        number=cert_no,
        issuer="示例市人民政府",
        valid_from=today - timedelta(days=365),
        valid_to=today + timedelta(days=365),
    )
    return user


@pytest.fixture
def zhangsan(agency: Agency, unit: Unit) -> User:
    return _officer(agency, unit, "zhangsan", "张三", "SJ-0001")


@pytest.fixture
def lisi(agency: Agency, unit: Unit) -> User:
    return _officer(agency, unit, "lisi", "李四", "SJ-0002")


@pytest.fixture
def reviewer(agency: Agency, unit: Unit) -> User:
    return accounts.user_create(
        actor=None, username="reviewer", full_name="王法审", agency=agency, unit=unit, roles=(Role.LEGAL_REVIEWER,)
    )


@pytest.fixture
def unit_head(agency: Agency, unit: Unit) -> User:
    return accounts.user_create(
        actor=None, username="unithead", full_name="赵科长", agency=agency, unit=unit, roles=(Role.UNIT_HEAD,)
    )


@pytest.fixture
def principal_head(agency: Agency) -> User:
    return accounts.user_create(
        actor=None, username="principal", full_name="钱局长", agency=agency, roles=(Role.PRINCIPAL_HEAD,)
    )


@pytest.fixture
def supervisor(supervising_agency: Agency) -> User:
    return accounts.user_create(
        actor=None, username="supervisor", full_name="孙监督", agency=supervising_agency, roles=(Role.SUPERVISOR,)
    )


@pytest.fixture
def outsider(other_agency: Agency) -> User:
    return _officer(other_agency, None, "outsider", "周外人", "LW-0001")


@pytest.fixture
def api_client() -> Callable[[User], Client]:
    """``api_client(user)`` → a test client that sends the user's fresh bearer token."""

    def make(user: User) -> Client:
        _token, secret = accounts.token_create(actor=user, user=user, name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


@pytest.fixture
def ledger_size() -> Callable[[], int]:
    return lambda: LedgerEntry.objects.count()
