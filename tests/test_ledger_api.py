"""GET /api/v1/ledger/head and /api/v1/ledger/entries: signed-in users only, no personal data."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from quancheng.accounts.models import User
from quancheng.ledger import merkle
from quancheng.ledger.models import LedgerEntry, LedgerHead


def test_head_requires_authentication(db) -> None:
    response = Client().get("/api/v1/ledger/head")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_entries_require_authentication(db) -> None:
    response = Client().get("/api/v1/ledger/entries")
    assert response.status_code == 401


def test_head_reports_size_and_root(zhangsan: User, api_client: Callable[[User], Client]) -> None:
    # given
    client = api_client(zhangsan)
    head = LedgerHead.objects.get(pk=1)
    # when
    response = client.get("/api/v1/ledger/head")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["size"] == head.size == LedgerEntry.objects.count()
    assert body["root"] == bytes(head.root).hex()
    leaves = [bytes(e) for e in LedgerEntry.objects.order_by("index").values_list("leaf_hash", flat=True)]
    assert body["root"] == merkle.root_from_leaf_hashes(leaves).hex()
    assert body["updated_at"]


def test_entries_for_one_subject_in_index_order(zhangsan: User, api_client: Callable[[User], Client]) -> None:
    # given: zhangsan's user row was saved once, and each of his roles / certificate has its own subject
    client = api_client(zhangsan)
    subject = zhangsan.ledger_subject()
    expected = list(LedgerEntry.objects.filter(subject=subject).order_by("index"))
    # when
    response = client.get("/api/v1/ledger/entries", {"subject": subject})
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == len(expected) >= 1
    assert [item["index"] for item in body["items"]] == [e.index for e in expected]
    first = body["items"][0]
    assert first["action"] == expected[0].action
    assert first["digests"]["row"] == expected[0].digests["row"]
    assert first["leaf_hash"] == merkle.leaf_hash(bytes(expected[0].entry)).hex()
    assert set(first) == {"index", "action", "actor", "subject", "at", "digests", "leaf_hash"}


def test_entries_page_with_offset_and_limit(zhangsan: User, api_client: Callable[[User], Client]) -> None:
    client = api_client(zhangsan)
    total = LedgerEntry.objects.count()
    response = client.get("/api/v1/ledger/entries", {"offset": 2, "limit": 3})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == total
    assert [item["index"] for item in body["items"]] == [2, 3, 4]


def test_entries_carry_no_personal_data(zhangsan: User, lisi: User, api_client: Callable[[User], Client]) -> None:
    client = api_client(zhangsan)
    response = client.get("/api/v1/ledger/entries", {"limit": 500})
    text = response.content.decode("utf-8")
    assert response.status_code == 200
    for personal in ("张三", "李四", "zhangsan", "lisi", "SJ-0001", "示例市"):
        assert personal not in text


def test_bad_paging_is_refused_without_writing(
    zhangsan: User, api_client: Callable[[User], Client], ledger_size: Callable[[], int]
) -> None:
    client = api_client(zhangsan)
    before = ledger_size()
    for params in ({"limit": 0}, {"limit": 100000}, {"offset": -1}, {"limit": "many"}):
        response = client.get("/api/v1/ledger/entries", params)
        assert response.status_code == 422, params
        assert response.json()["code"] == "validation_error"
    assert ledger_size() == before


def test_offset_beyond_the_database_range_is_422(zhangsan: User, api_client: Callable[[User], Client]) -> None:
    """Found by fuzzing: OFFSET 99999999999999999999 was a 500 on both databases."""
    # when
    response = api_client(zhangsan).get("/api/v1/ledger/entries?offset=99999999999999999999")
    # then
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["loc"][-1] == "offset"
