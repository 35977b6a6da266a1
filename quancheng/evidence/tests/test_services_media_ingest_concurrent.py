"""Two first ingests of the same bytes at once: still one Blob row and one BLOB_STORED entry."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from quancheng.evidence import services
from quancheng.evidence.models import Blob, MediaObject
from quancheng.evidence.storage import get_blob_store, stage_chunks
from quancheng.ledger.models import LedgerAction, LedgerEntry

from . import samples
from .conftest import _open_case


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_ingests_share_one_blob(zhangsan, lisi, agency, unit) -> None:
    # given: two cases, the same bytes staged twice, two writers released together
    cases = [_open_case(zhangsan, agency, unit, f"并发案件{i}") for i in range(2)]
    data = samples.mp4()
    staged = [stage_chunks(get_blob_store(), [data]) for _ in range(2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def ingest(actor, case, stored) -> None:
        try:
            barrier.wait(timeout=10)
            services.media_ingest(actor=actor, case=case, stored=stored, kind="video", content_type="video/mp4")
        except BaseException as exc:  # reported below; a thread must not die silently
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=ingest, args=(actor, case, stored))
        for actor, case, stored in zip((zhangsan, lisi), cases, staged, strict=True)
    ]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then
    assert errors == []
    # one row each for the footage and its poster frame (the same frame of the same bytes), each stored once
    assert Blob.objects.count() == 2
    assert MediaObject.objects.count() == 2
    assert len({media.preview_id for media in MediaObject.objects.all()}) == 1
    assert LedgerEntry.objects.filter(action=LedgerAction.BLOB_STORED).count() == 2
    assert LedgerEntry.objects.filter(action=LedgerAction.MEDIA_INGESTED).count() == 2
