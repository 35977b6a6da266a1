"""Case numbers stay unique and gap-free when many officers open cases at the same moment.

Runs on both databases: PostgreSQL serialises on the locked CaseNumberSequence row; SQLite (an on-disk test
database in IMMEDIATE transaction mode) serialises whole write transactions.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from quancheng.cases import services
from quancheng.cases.models import ActType, Case, CaseNumberSequence, CaseSource, Procedure
from quancheng.ledger.models import LedgerAction, LedgerEntry

THREADS = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_case_open_gives_unique_gap_free_numbers(agency, unit, zhangsan, lisi, ledger_size) -> None:
    # given: eight officers' requests released at once, the sequence for this year not yet created
    year = services.local_today().year
    before = ledger_size()
    barrier = threading.Barrier(THREADS)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            case = services.case_open(
                actor=zhangsan if i % 2 else lisi,
                agency=agency,
                unit=unit,
                title=f"并发登记案件{i}",
                act_type=ActType.INSPECTION,
                source=CaseSource.INSPECTION,
                procedure=Procedure.GENERAL,
            )
            with lock:
                numbers.append(case.number)
        except BaseException as exc:  # reported by the main thread, which asserts there were none
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # then: every open succeeded with its own number, and together they are exactly 1..8
    assert errors == []
    assert sorted(numbers) == sorted(f"示市监立〔{year}〕{n}号" for n in range(1, THREADS + 1))
    assert sorted(Case.objects.values_list("sequence_no", flat=True)) == list(range(1, THREADS + 1))
    assert CaseNumberSequence.objects.get(agency=agency, year=year).last_value == THREADS
    # and the ledger grew by one entry per case, numbered without gaps
    assert ledger_size() == before + THREADS
    indexes = list(LedgerEntry.objects.order_by("index").values_list("index", flat=True))
    assert indexes == list(range(len(indexes)))
    opened = LedgerEntry.objects.filter(action=LedgerAction.CASE_OPENED).values_list("subject", flat=True)
    assert sorted(opened) == sorted(f"case:{pk}" for pk in Case.objects.values_list("pk", flat=True))
