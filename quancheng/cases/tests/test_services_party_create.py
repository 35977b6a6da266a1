"""party_create (GEN-11): checked identifiers, a legal representative for organisations, one row per number."""

from __future__ import annotations

import pytest

from quancheng.cases import services
from quancheng.cases.models import Party, PartyKind
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction, LedgerEntry

from .helpers import VALID_ID_NUMBER, VALID_USCC, assert_entry


def test_person_is_registered_with_normalised_id_and_ledger_entry(zhangsan, agency, ledger_size) -> None:
    # given
    before = ledger_size()
    # when
    party = services.party_create(
        actor=zhangsan,
        agency=agency,
        kind=PartyKind.PERSON,
        name=" 刘某 ",
        id_number=" 11010519491231002x",
        address="示例市某区",
        contact="13800000000",
    )
    # then
    party.refresh_from_db()
    assert (party.kind, party.name, party.id_number, party.created_by) == (
        PartyKind.PERSON,
        "刘某",
        VALID_ID_NUMBER,
        zhangsan,
    )
    assert ledger_size() == before + 1
    assert_entry(LedgerEntry.objects.get(index=before), LedgerAction.PARTY_CREATED, party)


def test_ledger_entry_holds_no_personal_data(zhangsan, agency, ledger_size) -> None:
    before = ledger_size()
    services.party_create(actor=zhangsan, agency=agency, kind="person", name="刘某", id_number=VALID_ID_NUMBER)
    entry = LedgerEntry.objects.get(index=before)
    assert VALID_ID_NUMBER.encode() not in bytes(entry.entry)
    assert "刘某".encode() not in bytes(entry.entry)


def test_organisation_is_registered_with_legal_representative(zhangsan, agency, ledger_size) -> None:
    before = ledger_size()
    party = services.party_create(
        actor=zhangsan,
        agency=agency,
        kind=PartyKind.ORGANISATION,
        name="示例市某食品有限公司",
        id_number=VALID_USCC.lower(),
        legal_representative="陈某",
    )
    assert party.id_number == VALID_USCC
    assert party.legal_representative == "陈某"
    assert_entry(LedgerEntry.objects.get(index=before), LedgerAction.PARTY_CREATED, party)


@pytest.mark.parametrize(
    ("kind", "id_number", "legal_representative", "code"),
    [
        (PartyKind.PERSON, "110105194912310021", "", ErrorCode.INVALID_ID_NUMBER),  # wrong check digit
        (PartyKind.PERSON, VALID_USCC, "", ErrorCode.INVALID_ID_NUMBER),  # a USCC is not an ID number
        (PartyKind.PERSON, "11010519491231002", "", ErrorCode.INVALID_ID_NUMBER),
        (PartyKind.ORGANISATION, "91350100M000100Y44", "陈某", ErrorCode.INVALID_USCC),
        (PartyKind.ORGANISATION, VALID_ID_NUMBER, "陈某", ErrorCode.INVALID_USCC),
        (PartyKind.ORGANISATION, VALID_USCC, "", ErrorCode.VALIDATION_ERROR),  # GEN-11: 法定代表人 required
        (PartyKind.ORGANISATION, VALID_USCC, "   ", ErrorCode.VALIDATION_ERROR),
        ("robot", VALID_ID_NUMBER, "", ErrorCode.VALIDATION_ERROR),
    ],
)
def test_bad_party_is_refused_and_nothing_written(
    zhangsan, agency, ledger_size, kind, id_number, legal_representative, code
) -> None:
    # given
    before = ledger_size()
    # when
    with pytest.raises(DomainError) as err:
        services.party_create(
            actor=zhangsan,
            agency=agency,
            kind=kind,
            name="某",
            id_number=id_number,
            legal_representative=legal_representative,
        )
    # then
    assert err.value.code == code
    assert ledger_size() == before
    assert not Party.objects.exists()


@pytest.mark.parametrize("name", ["", "   ", "名" * 129])
def test_name_is_required_and_bounded(zhangsan, agency, ledger_size, name) -> None:
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.party_create(actor=zhangsan, agency=agency, kind="person", name=name, id_number=VALID_ID_NUMBER)
    assert err.value.code == ErrorCode.VALIDATION_ERROR
    assert ledger_size() == before


def test_same_number_twice_in_one_agency_is_duplicate(zhangsan, agency, person, ledger_size) -> None:
    # given: person holds VALID_ID_NUMBER; the same number typed with a lower-case x
    before = ledger_size()
    # when
    with pytest.raises(DomainError) as err:
        services.party_create(
            actor=zhangsan, agency=agency, kind="person", name="刘某某", id_number=VALID_ID_NUMBER.lower()
        )
    # then
    assert err.value.code == ErrorCode.DUPLICATE
    assert err.value.status == 409
    assert ledger_size() == before
    assert Party.objects.count() == 1


def test_same_number_in_another_agency_is_a_separate_party(person, outsider, other_agency) -> None:
    party = services.party_create(
        actor=outsider, agency=other_agency, kind="person", name="刘某", id_number=VALID_ID_NUMBER
    )
    assert party.agency == other_agency
    assert Party.objects.filter(id_number=VALID_ID_NUMBER).count() == 2


@pytest.mark.parametrize("who", ["outsider", "supervisor", "reviewer"])
def test_only_officers_of_the_agency_register_parties(request, agency, ledger_size, who) -> None:
    # given: an officer of another agency, a supervisor, and a non-officer of the agency
    actor = request.getfixturevalue(who)
    before = ledger_size()
    # when
    with pytest.raises(DomainError) as err:
        services.party_create(actor=actor, agency=agency, kind="person", name="刘某", id_number=VALID_ID_NUMBER)
    # then
    assert err.value.code == ErrorCode.PERMISSION_DENIED
    assert ledger_size() == before
