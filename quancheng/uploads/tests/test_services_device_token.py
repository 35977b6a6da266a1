"""Device tokens are issued and revoked through ledgered services; only the secret's SHA-256 is kept, and only
the device's own agency may issue them."""

from __future__ import annotations

import pytest

from quancheng.accounts.auth import hash_token
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction, LedgerEntry
from quancheng.uploads import services
from quancheng.uploads.models import DeviceToken


def test_device_token_create_keeps_only_the_digest_and_is_ledgered(zhangsan, device) -> None:
    # when
    token, secret = services.device_token_create(actor=zhangsan, device=device, name="采集站")
    # then
    assert secret.startswith(f"qcd_{token.prefix}_")
    assert token.token_hash == hash_token(secret)
    entry = LedgerEntry.objects.latest("index")
    assert (entry.action, entry.actor, entry.subject) == (
        LedgerAction.DEVICE_TOKEN_CREATED,
        f"user:{zhangsan.pk}",
        f"device_token:{token.pk}",
    )
    assert entry.digests["row"] == token.ledger_digest()


def test_device_token_revoke_is_ledgered_once(zhangsan, device) -> None:
    # given
    token, _secret = services.device_token_create(actor=zhangsan, device=device)
    # when
    services.device_token_revoke(actor=zhangsan, token=token)
    services.device_token_revoke(actor=zhangsan, token=token)
    # then
    assert DeviceToken.objects.get().revoked_at is not None
    assert LedgerEntry.objects.filter(action=LedgerAction.DEVICE_TOKEN_REVOKED).count() == 1


def test_another_agency_may_not_issue_tokens_for_the_device(outsider, device) -> None:
    # when
    with pytest.raises(DomainError) as refused:
        services.device_token_create(actor=outsider, device=device)
    # then
    assert refused.value.code == ErrorCode.PERMISSION_DENIED
    assert not DeviceToken.objects.exists()
