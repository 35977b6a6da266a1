"""Who is uploading: a user with an API token, or a device with a device token (both ``Authorization: Bearer``).

Device tokens look like ``qcd_<prefix>_<secret>`` (user tokens ``qc_...``); only their SHA-256 is stored.
``DeviceTokenAuth`` lets the same token call the JSON API endpoints a device calls itself (its day manifest).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from quancheng.accounts.auth import ApiTokenAuth, hash_token
from quancheng.accounts.models import User
from quancheng.evidence.models import Device, DeviceStatus

from .models import DeviceToken

DEVICE_TOKEN_PREFIX = "qcd_"


@dataclass(frozen=True)
class Uploader:
    """The authenticated sender of an upload: exactly one of ``user`` and ``device``."""

    user: User | None = None
    device: Device | None = None

    @property
    def agency_id(self) -> int | None:
        if self.user is not None:
            return self.user.agency_id
        assert self.device is not None
        return self.device.agency_id

    @property
    def actor(self) -> User | Device:
        """Who the ledger names as acting (``user:<pk>`` or ``device:<pk>``)."""
        actor = self.user if self.user is not None else self.device
        assert actor is not None
        return actor


def _device_for_token(token: str) -> Device | None:
    found = (
        DeviceToken.objects.select_related("device")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .exclude(device__status=DeviceStatus.RETIRED)  # a retired camera uploads nothing more
        .first()
    )
    if found is None:
        return None
    # Usage time is bookkeeping, not record state (it is excluded from the token's ledger digest).
    DeviceToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    return found.device


class DeviceTokenAuth(HttpBearer):
    """ninja auth for the endpoints a device calls itself: ``request.auth`` is the ``Device`` (list it before the
    user auths: a ``qcd_`` token is never a user's, and a user token is not a device's)."""

    def authenticate(self, request: HttpRequest, token: str) -> Device | None:
        if not token.startswith(DEVICE_TOKEN_PREFIX):
            return None
        return _device_for_token(token)


def authenticate(request: HttpRequest) -> Uploader | None:
    """The uploader named by the request's bearer token, or None when there is none or it is not valid."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    if token.startswith(DEVICE_TOKEN_PREFIX):
        device = _device_for_token(token)
        return Uploader(device=device) if device is not None else None
    user = ApiTokenAuth().authenticate(request, token)
    return Uploader(user=user) if user is not None else None
