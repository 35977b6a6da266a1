"""case_set_handlers: replace the handler list, keep removed assignments on file, STAFF-01 keeps holding."""

from __future__ import annotations

import pytest

from quancheng.cases import selectors, services
from quancheng.cases.models import CaseHandler, Stage
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction

from .helpers import assert_entry, entries_since


def test_handlers_are_assigned_with_a_lead_and_ledgered(open_case, zhangsan, lisi, ledger_size) -> None:
    # given: a case without handlers
    case = open_case()
    before = ledger_size()
    # when
    services.case_set_handlers(actor=zhangsan, case=case, handlers=[zhangsan, lisi], lead=lisi)
    # then
    links = {link.user: link for link in CaseHandler.objects.filter(case=case)}
    assert set(links) == {zhangsan, lisi}
    assert links[lisi].is_lead and not links[zhangsan].is_lead
    entries = entries_since(before)
    assert len(entries) == 2
    for entry, link in zip(entries, [links[zhangsan], links[lisi]], strict=True):
        assert_entry(entry, LedgerAction.CASE_HANDLERS_SET, link)


def test_replacing_a_handler_keeps_the_old_assignment_on_file(
    staffed_case, make_officer, zhangsan, lisi, ledger_size
) -> None:
    # given: 张三 (lead) and 李四 handle the case
    wangwu = make_officer("wangwu", "王五")
    before = ledger_size()
    # when: 李四 is replaced by 王五, who also becomes lead
    services.case_set_handlers(actor=zhangsan, case=staffed_case, handlers=[zhangsan, wangwu], lead=wangwu)
    # then: 李四's assignment is stamped removed, not deleted
    old = CaseHandler.objects.get(case=staffed_case, user=lisi)
    assert old.removed_at is not None
    current = selectors.case_current_handler_links(staffed_case)
    assert [(link.user, link.is_lead) for link in current] == [(wangwu, True), (zhangsan, False)]
    # and each changed row (李四 removed, 张三 demoted, 王五 added) has its entry
    entries = entries_since(before)
    assert len(entries) == 3
    changed = {entry.subject: entry for entry in entries}
    for link in [old, CaseHandler.objects.get(case=staffed_case, user=zhangsan), current[0]]:
        assert_entry(changed[link.ledger_subject()], LedgerAction.CASE_HANDLERS_SET, link)


def test_same_list_again_writes_nothing(staffed_case, zhangsan, lisi, ledger_size) -> None:
    before = ledger_size()
    services.case_set_handlers(actor=zhangsan, case=staffed_case, handlers=[zhangsan, lisi], lead=zhangsan)
    assert ledger_size() == before


def test_a_removed_handler_can_be_assigned_again(staffed_case, zhangsan, lisi) -> None:
    services.case_set_handlers(actor=zhangsan, case=staffed_case, handlers=[zhangsan], lead=zhangsan)
    services.case_set_handlers(actor=zhangsan, case=staffed_case, handlers=[zhangsan, lisi], lead=zhangsan)
    assert CaseHandler.objects.filter(case=staffed_case, user=lisi).count() == 2
    assert selectors.case_is_handler(staffed_case, lisi)


@pytest.mark.parametrize(
    ("handlers", "lead"),
    [
        ([], "zhangsan"),  # nobody
        (["zhangsan"], "lisi"),  # lead not in the list
        (["zhangsan", "zhangsan"], "zhangsan"),  # twice
        (["zhangsan", "outsider"], "zhangsan"),  # another agency's officer
        (["zhangsan", "reviewer"], "zhangsan"),  # not an officer
    ],
)
def test_bad_handler_list_is_refused_and_nothing_written(
    request, staffed_case, zhangsan, ledger_size, handlers, lead
) -> None:
    users = [request.getfixturevalue(name) for name in handlers]
    lead_user = request.getfixturevalue(lead)
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.case_set_handlers(actor=zhangsan, case=staffed_case, handlers=users, lead=lead_user)
    assert err.value.code == ErrorCode.VALIDATION_ERROR
    assert ledger_size() == before


def test_staff_01_cannot_be_broken_during_investigation(staffed_case, advance, zhangsan, ledger_size) -> None:
    # given: the case is being investigated by 张三 and 李四
    case = advance(staffed_case, Stage.INVESTIGATION_EVIDENCE)
    before = ledger_size()
    # when: someone tries to leave 张三 alone on it
    with pytest.raises(DomainError) as err:
        services.case_set_handlers(actor=zhangsan, case=case, handlers=[zhangsan], lead=zhangsan)
    # then
    assert err.value.code == ErrorCode.STAFFING_INSUFFICIENT
    assert ledger_size() == before
    assert len(selectors.case_current_handler_links(case)) == 2


def test_archived_case_refuses_handler_changes(archived_case, zhangsan, ledger_size) -> None:
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.case_set_handlers(actor=zhangsan, case=archived_case, handlers=[zhangsan], lead=zhangsan)
    assert err.value.code == ErrorCode.CASE_CLOSED
    assert ledger_size() == before


@pytest.mark.parametrize("who", ["outsider", "supervisor"])
def test_only_people_of_the_agency_assign_handlers(request, staffed_case, zhangsan, ledger_size, who) -> None:
    actor = request.getfixturevalue(who)
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.case_set_handlers(actor=actor, case=staffed_case, handlers=[zhangsan], lead=zhangsan)
    assert err.value.code == ErrorCode.PERMISSION_DENIED
    assert ledger_size() == before
