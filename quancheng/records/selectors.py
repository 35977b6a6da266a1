"""Reads of text records, limited to what the requesting user may see.

A record is visible exactly when its case is (``cases.selectors.case_get_for``): visibility has one
source of truth. A record the user may not see is NOT_FOUND, never forbidden.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from quancheng.accounts.models import User
from quancheng.cases.models import Case
from quancheng.cases.selectors import case_get_for
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.evidence.models import MediaObject

from .models import Record, Signature

RECORD_NOT_FOUND = "记录不存在或无权查看"


def _records() -> QuerySet[Record]:
    return Record.objects.select_related("case", "author", "sealed_by", "supersedes", "superseded_by").prefetch_related(
        Prefetch("signatures", queryset=Signature.objects.order_by("page", "signed_at", "pk"))
    )


def record_list_for(user: User, case_id: int, *, current_only: bool = False) -> QuerySet[Record]:
    """The case's records in the order they were made (INTEGRITY-04); NOT_FOUND if the case is invisible.

    ``current_only`` leaves out versions that a correction has superseded.
    """
    case = case_get_for(user, case_id)
    records = _records().filter(case=case).order_by("created_at", "pk")
    if current_only:
        records = records.filter(superseded_by__isnull=True)
    return records


def record_get_for(user: User, record_id: int) -> Record:
    record = _records().filter(pk=record_id).first()
    if record is None:
        raise DomainError(ErrorCode.NOT_FOUND, RECORD_NOT_FOUND)
    try:
        case_get_for(user, record.case_id)
    except DomainError as exc:
        if exc.code == ErrorCode.NOT_FOUND:
            raise DomainError(ErrorCode.NOT_FOUND, RECORD_NOT_FOUND) from exc
        raise
    return record


def record_chain(record: Record) -> list[Record]:
    """Every version of the record, from the original to the latest correction (INTEGRITY-05)."""
    first = record
    while first.supersedes_id is not None:
        first = _records().get(pk=first.supersedes_id)
    chain = [first]
    while True:
        following = _records().filter(supersedes_id=chain[-1].pk).first()
        if following is None:
            return chain
        chain.append(following)


def record_chain_for(user: User, record_id: int) -> list[Record]:
    """The correction chain of a record the user may see, oldest first."""
    return record_chain(record_get_for(user, record_id))


# --- lookups the record services need from other apps -------------------------------------------------


def signature_image_available(agency_id: int, sha256: str) -> bool:
    """Whether an image with this SHA-256 is stored and was uploaded by the agency (as case media).

    Scoped to the agency, not just "some blob exists": otherwise a signature request would tell anyone
    whether another agency holds a given file.
    """
    return MediaObject.objects.filter(blob_id=sha256, agency_id=agency_id).exists()


def case_party_ids(case: Case) -> set[int]:
    """Ids of the parties linked to the case; a record may only name these."""
    return set(case.party_links.values_list("party_id", flat=True))


def colleague_get_for(user: User, user_id: int) -> User:
    """A user of ``user``'s own agency (e.g. the officer who signs), else NOT_FOUND."""
    found = User.objects.filter(pk=user_id, agency_id=user.agency_id, agency_id__isnull=False).first()
    if found is None or user.agency_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, "签名人不是本机关人员")
    return found
