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


@pytest.fixture
def leader(agency: Agency) -> User:
    """分管领导: approves field inspections and the joint review of major cases (START-11, REVIEW-03)."""
    return accounts.user_create(
        actor=None, username="leader", full_name="周副局长", agency=agency, roles=(Role.LEADER_IN_CHARGE,)
    )


@pytest.fixture
def walk_case(
    zhangsan: User, lisi: User, reviewer: User, unit_head: User, principal_head: User, leader: User
) -> Callable[..., object]:
    """``walk_case(case, target)`` → the case taken to ``target`` (a Step, or a Stage meaning the step it is first
    reached at) through the services, with the records and approvals each action's rules require (张三 handles,
    李四 partners, the heads approve). ``party=`` names the party; default: the case's first party."""
    from quancheng.cases.models import CaseParty, Stage
    from quancheng.demo.procedure import Cast, walk, walk_to_stage

    def make(case, target, *, party=None):  # type: ignore[no-untyped-def]
        if party is None:
            party = CaseParty.objects.filter(case=case).select_related("party").first().party
        cast = Cast(
            author=zhangsan,
            partner=lisi,
            principal_head=principal_head,
            unit_head=unit_head,
            reviewer=reviewer,
            party=party,
            leader=leader,
        )
        if target in Stage.values:
            return walk_to_stage(case, cast, target)
        return walk(case, cast, target)

    return make


@pytest.fixture
def clue_case(zhangsan: User, lisi: User, agency: Agency, unit: Unit):  # type: ignore[no-untyped-def]
    """A general-procedure penalty case at 线索核查, handled by 张三 (lead) and 李四, with one organisation party."""
    from quancheng.cases import services as cases

    party = cases.party_create(
        actor=zhangsan,
        agency=agency,
        kind="organisation",
        name="某某商行有限公司",
        id_number="91350100M000100Y43",
        legal_representative="王某",
    )
    return cases.case_open(
        actor=zhangsan,
        agency=agency,
        unit=unit,
        title="涉嫌无照经营案",
        act_type="penalty",
        source="inspection",
        procedure="general",
        handlers=[zhangsan, lisi],
        parties=[party],
    )
