"""API authentication: a per-user bearer token (stored hashed), or the browser session."""

from __future__ import annotations

import hashlib

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from .models import ApiToken, User

TOKEN_PREFIX = "qc_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        found = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        # Usage time is bookkeeping, not record state (it is excluded from the token's ledger digest).
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found.user


class ActiveSessionAuth(SessionAuth):
    """Browser session (CSRF checked on unsafe methods), only for active users."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = super().authenticate(request, key)
        if user is not None and user.is_active:
            return user
        return None
