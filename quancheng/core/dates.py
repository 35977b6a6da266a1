"""The agency's calendar day and wall-clock time.

Certificate validity, case-number years and deadlines are judged by the local day in the deployment's time
zone (settings.TIME_ZONE, Asia/Shanghai), never by UTC's.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone


def local_today(moment: datetime | None = None) -> date:
    return timezone.localtime(moment or timezone.now()).date()


def as_aware(moment: datetime) -> datetime:
    """A naive time is read as local wall-clock time (what a user or device in the agency means)."""
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
