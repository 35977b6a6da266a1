"""Reads about people, scoped to what the requesting user may see."""

from __future__ import annotations

from datetime import date

from quancheng.core.dates import local_today

from .models import Certificate, User


def valid_certificates(user: User, on: date | None = None) -> list[Certificate]:
    day = on or local_today()
    return [c for c in user.certificates.all() if c.is_valid_on(day)]


def me(user: User) -> dict:
    today = local_today()
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "agency_id": user.agency_id,
        "agency_name": user.agency.name if user.agency else None,
        "unit_id": user.unit_id,
        "roles": sorted(user.role_set()),
        "certificates": [
            {
                "number": c.number,
                "issuer": c.issuer,
                "valid_from": c.valid_from.isoformat(),
                "valid_to": c.valid_to.isoformat(),
                "revoked": c.revoked,
                "valid_today": c.is_valid_on(today),
            }
            for c in user.certificates.order_by("valid_from")
        ],
    }
