"""Entries are numbered 0..N-1 without gaps or duplicates under concurrent writers (issue 2, ledger)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from quancheng.ledger import merkle
from quancheng.ledger.models import LedgerAction, LedgerEntry, LedgerHead
from quancheng.ledger.services import ledger_append
from quancheng.ledger.verify import verify

THREADS = 8
APPENDS_PER_THREAD = 25


def _writer(thread_no: int, start: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        start.wait()
        for n in range(APPENDS_PER_THREAD):
            with transaction.atomic():
                ledger_append(
                    action=LedgerAction.RECORD_UPDATED,
                    actor=None,
                    subject=f"test:{thread_no}-{n}",
                    digests={"row": f"{thread_no:032x}{n:032x}"},
                )
    except BaseException as exc:  # surfaced in the main thread, where pytest sees it
        errors.append(exc)
    finally:
        # Each thread has its own connection; leaving it open would keep the test database busy.
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_are_numbered_without_gaps_or_duplicates() -> None:
    # given: eight writers released at the same moment, with no head row yet (its creation races too)
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_writer, args=(t, start, errors)) for t in range(THREADS)]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then: every append committed once, at its own index 0..199
    assert not errors, errors
    total = THREADS * APPENDS_PER_THREAD
    indices = list(LedgerEntry.objects.order_by("index").values_list("index", flat=True))
    assert indices == list(range(total))
    subjects = list(LedgerEntry.objects.values_list("subject", flat=True))
    assert len(set(subjects)) == total
    # and the head's root is the RFC 9162 root recomputed from the stored entry bytes
    entries = [bytes(e) for e in LedgerEntry.objects.order_by("index").values_list("entry", flat=True)]
    recomputed = merkle.root_from_leaf_hashes([merkle.leaf_hash(e) for e in entries])
    head = LedgerHead.objects.get(pk=1)
    assert head.size == total
    assert bytes(head.root) == recomputed
    # and each stored tree_root is the root at that size
    roots = [bytes(r) for r in LedgerEntry.objects.order_by("index").values_list("tree_root", flat=True)]
    assert roots == [root for _size, root in merkle.roots_by_size(merkle.leaf_hash(e) for e in entries)]
    # and the verifier (outside any transaction: its own read snapshot) agrees
    report = verify()
    assert report.ok, [str(p) for p in report.problems]
    assert report.entries == total
