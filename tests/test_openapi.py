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
        "/api/v1/ledger/proofs/inclusion",
        "/api/v1/ledger/proofs/consistency",
        "/api/v1/cases/{case_id}/bundle",
        "/api/v1/accounts/me",
    ):
        assert expected in paths


def test_error_bodies_keep_chinese_readable(db) -> None:
    body = Client().get("/api/v1/cases").content.decode("utf-8")
    assert "请先登录" in body


def test_every_operation_documents_its_refusals(db) -> None:
    """Found by fuzzing (schemathesis "undocumented status code"): the ledger, accounts and media download
    operations answered 401/404/422 ``{"code", "message"}`` without saying so."""
    document = Client().get("/api/v1/openapi.json").json()
    undocumented = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status in ("401", "404", "422"):
                schema = operation["responses"].get(status, {}).get("content", {}).get("application/json", {})
                if schema.get("schema", {}).get("$ref") != "#/components/schemas/ErrorOut":
                    undocumented.append(f"{method.upper()} {path} {status}")
    assert undocumented == []
    assert set(document["components"]["schemas"]["ErrorOut"]["required"]) == {"code", "message"}
