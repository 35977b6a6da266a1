"""The API describes itself as OpenAPI 3.1, publicly, with every app's paths."""

from django.test import Client


def test_openapi_document_is_3_1_and_lists_every_app(db) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    paths = set(document["paths"])
    for expected in (
        "/api/v1/cases",
        "/api/v1/parties",
        "/api/v1/cases/{case_id}/records",
        "/api/v1/records/{record_id}/seal",
        "/api/v1/cases/{case_id}/media",
        "/api/v1/ledger/head",
        "/api/v1/accounts/me",
    ):
        assert expected in paths


def test_error_bodies_keep_chinese_readable(db) -> None:
    body = Client().get("/api/v1/cases").content.decode("utf-8")
    assert "请先登录" in body
