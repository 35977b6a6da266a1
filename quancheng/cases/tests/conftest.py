"""Fixtures for the cases app: parties and a case factory, on top of the suite's personas."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from quancheng.accounts import services as accounts
from quancheng.accounts.models import Agency, Role, Unit, User
from quancheng.cases import services
from quancheng.cases.models import ActType, Case, CaseSource, Party, PartyKind, Procedure, Stage

from .helpers import VALID_ID_NUMBER, VALID_USCC


@pytest.fixture
def person(zhangsan: User, agency: Agency) -> Party:
    return services.party_create(
        actor=zhangsan, agency=agency, kind=PartyKind.PERSON, name="刘某", id_number=VALID_ID_NUMBER
    )


@pytest.fixture
def company(zhangsan: User, agency: Agency) -> Party:
    return services.party_create(
        actor=zhangsan,
        agency=agency,
        kind=PartyKind.ORGANISATION,
        name="示例市某食品有限公司",
        id_number=VALID_USCC,
        legal_representative="陈某",
        address="示例市某区某路1号",
        contact="0531-12345678",
    )


@pytest.fixture
def open_case(agency: Agency, unit: Unit, zhangsan: User) -> Callable[..., Case]:
    """``open_case(**overrides)`` → a general-procedure penalty case opened by 张三."""

    def make(**overrides: Any) -> Case:
        kwargs: dict[str, Any] = {
            "actor": zhangsan,
            "agency": agency,
            "unit": unit,
            "title": "涉嫌销售过期食品案",
            "act_type": ActType.PENALTY,
            "source": CaseSource.INSPECTION,
            "procedure": Procedure.GENERAL,
        }
        kwargs.update(overrides)
        return services.case_open(**kwargs)

    return make


@pytest.fixture
def make_officer(agency: Agency, unit: Unit) -> Callable[..., User]:
    """``make_officer(username, full_name, valid_from=..., valid_to=...)`` → an officer of the agency with one
    certificate (none when ``valid_from`` is None); dates are relative to the local (Asia/Shanghai) day."""

    def make(username: str, full_name: str, *, valid_from: int | None = -365, valid_to: int = 365) -> User:
        user = accounts.user_create(
            actor=None, username=username, full_name=full_name, agency=agency, unit=unit, roles=(Role.OFFICER,)
        )
        if valid_from is not None:
            today = services.local_today()
            accounts.certificate_issue(
                actor=None,
                holder=user,
                number=f"SJ-{username}",
                issuer="示例市人民政府",
                valid_from=today + timedelta(days=valid_from),
                valid_to=today + timedelta(days=valid_to),
            )
        return user

    return make


@pytest.fixture
def staffed_case(open_case: Callable[..., Case], zhangsan: User, lisi: User) -> Case:
    """A general-procedure case handled by 张三 (lead) and 李四, both with valid certificates."""
    return open_case(handlers=[zhangsan, lisi])


@pytest.fixture
def advance(walk_case: Callable[..., Case], agency: Any, zhangsan: User) -> Callable[..., Case]:
    """``advance(case, stage, ...)`` walks the case to the last stage given (records and approvals made as the
    rules require, see ``quancheng.demo.procedure``); returns it re-read."""

    def move(case: Case, *stages: Stage) -> Case:
        from quancheng.cases.models import CaseParty

        if not CaseParty.objects.filter(case=case).exists():
            party = services.party_create(
                actor=zhangsan,
                agency=case.agency,
                kind="organisation",
                name="某某商行有限公司",
                id_number="91350100M000100Y43",
                legal_representative="王某",
            )
            services.case_add_party(actor=zhangsan, case=case, party=party)
        walk_case(case, stages[-1])
        return Case.objects.get(pk=case.pk)

    return move


ALL_STAGES_AFTER_START = (
    Stage.INVESTIGATION_EVIDENCE,
    Stage.REVIEW_DECISION,
    Stage.SERVICE_EXECUTION,
    Stage.ARCHIVE,
)


@pytest.fixture
def archived_case(staffed_case: Case, advance: Callable[..., Case]) -> Case:
    return advance(staffed_case, *ALL_STAGES_AFTER_START)


@pytest.fixture
def cast(
    zhangsan: User, lisi: User, reviewer: User, unit_head: User, principal_head: User, leader: User, company: Party
) -> Any:
    """Who does what in ``quancheng.demo.procedure``: 张三 handles, 李四 partners, the heads approve, and
    ``company`` is the party."""
    from quancheng.demo.procedure import Cast

    return Cast(
        author=zhangsan,
        partner=lisi,
        principal_head=principal_head,
        unit_head=unit_head,
        reviewer=reviewer,
        party=company,
        leader=leader,
    )


@pytest.fixture
def prepare(cast: Any, zhangsan: User) -> Callable[[Case, str], Case]:
    """``prepare(case, action)`` → the case with what ``action``'s blocking rules ask for (records signed and
    sealed, approvals granted), ``company`` added as its party if it has none; the action itself is not taken."""
    from quancheng.cases.models import CaseParty
    from quancheng.demo import procedure

    def make(case: Case, action: str) -> Case:
        if not CaseParty.objects.filter(case=case).exists():
            services.case_add_party(actor=zhangsan, case=case, party=cast.party)
        procedure.prepare(case, cast, action)
        case.refresh_from_db()
        return case

    return make
