"""Per-user API tokens: stored hashed, shown once, revocable; failures are 401 with a stable code."""

from io import StringIO

from django.core.management import call_command
from django.test import Client

from quancheng.accounts import services
from quancheng.accounts.auth import hash_token
from quancheng.accounts.models import ApiToken
from quancheng.ledger.models import LedgerAction, LedgerEntry


def test_token_is_stored_only_as_its_sha256(zhangsan) -> None:
    # when
    token, secret = services.token_create(actor=zhangsan, user=zhangsan, name="移动端")
    # then
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.token_hash == hash_token(secret)
    assert secret not in {stored.token_hash, stored.prefix, stored.name}
    entry = LedgerEntry.objects.filter(subject=f"token:{token.pk}").get()
    assert entry.action == LedgerAction.TOKEN_CREATED
    assert secret.encode() not in bytes(entry.entry)


def test_valid_token_authenticates_and_revoked_token_is_refused(zhangsan) -> None:
    # given
    token, secret = services.token_create(actor=zhangsan, user=zhangsan)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/accounts/me").status_code == 200
    # when
    services.token_revoke(actor=zhangsan, token=token)
    response = client.get("/api/v1/accounts/me")
    # then
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response.json()["message"]


def test_missing_or_garbage_token_is_401(db) -> None:
    assert Client().get("/api/v1/accounts/me").json()["code"] == "unauthenticated"
    response = Client(HTTP_AUTHORIZATION="Bearer qc_nope").get("/api/v1/accounts/me")
    assert response.status_code == 401


def test_deactivated_user_token_is_refused(zhangsan) -> None:
    _token, secret = services.token_create(actor=None, user=zhangsan)
    zhangsan.is_active = False
    services.backoffice_save(actor=None, obj=zhangsan)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/accounts/me").status_code == 401


def test_token_create_command_prints_a_working_token(zhangsan) -> None:
    out = StringIO()
    call_command("token", "create", "zhangsan", "--name", "脚本", stdout=out)
    secret = out.getvalue().strip()
    assert secret.startswith("qc_")
    assert ApiToken.objects.filter(token_hash=hash_token(secret), user=zhangsan).exists()


def test_me_lists_roles_and_certificate_validity(zhangsan, api_client) -> None:
    body = api_client(zhangsan).get("/api/v1/accounts/me").json()
    assert body["full_name"] == "张三"
    assert body["roles"] == ["officer"]
    assert body["certificates"][0]["valid_today"] is True
