"""Field types shared by the request schemas of every app, for values whose limits come from the storage.

- ``Timestamp``: a point in time a database can keep. Python accepts UTC offsets up to ±23:59 and years 1–9999
  in local time, but the same instant in UTC may fall outside year 1–9999 (``0001-01-01T00:00+14:00``) and
  PostgreSQL refuses offsets beyond ±15:59. The value is therefore normalised to UTC here (same instant),
  refused when that is impossible, and a time without an offset is read as the deployment's local time
  (``TIME_ZONE``, 北京时间) as the services already do. Only ISO 8601 text is accepted: pydantic would
  otherwise read ``"-1"`` as a Unix timestamp, silently recording 1969.
- ``MAX_DB_INTEGER``: the largest integer a ``bigint`` / SQLite ``INTEGER`` column or LIMIT/OFFSET holds.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from django.utils import timezone
from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

MAX_DB_INTEGER = 2**63 - 1

# A calendar date first (YYYY-MM-DD); pydantic checks the rest (time, offset, day of month).
_ISO_8601_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
_TIMESTAMP_HINT = "应为 ISO 8601 日期时间,例如 2026-03-01T09:30:00+08:00"


def _iso_text_only(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_8601_START.match(value.strip()):
        raise PydanticCustomError("timestamp_format", _TIMESTAMP_HINT)
    return value


def _storable_instant(value: datetime) -> datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)  # the current time zone: TIME_ZONE unless activated otherwise
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise PydanticCustomError("timestamp_range", "时间超出可记录的范围(公元1年至9999年)") from None


Timestamp = Annotated[datetime, BeforeValidator(_iso_text_only), AfterValidator(_storable_instant)]
