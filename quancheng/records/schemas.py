"""Request and response shapes of the records API.

The request schemas check the envelope (types, lengths, enumerations) so malformed requests are a 422
``validation_error`` before any code runs; a record's ``content`` is checked against its kind's field
schema by the service (``record_content_invalid`` with ``errors`` per field).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from quancheng.cases.models import Stage
from quancheng.core.types import Timestamp

from .catalogue import FIELD_TYPE_LABELS, MAX_PAGE_COUNT, FieldSpec, RecordKind
from .catalogue import KINDS_BY_CODE as _KINDS
from .models import PersonRole, Record, Signature, SignatureMethod


class ErrorOut(Schema):
    code: str
    message: str
    errors: dict[str, list[str]] | None = Field(None, description="记录内容错误时,按字段列出的中文错误信息")


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- catalogue ---------------------------------------------------------------------------------------


class ChoiceOut(Schema):
    value: str
    label: str


class ColumnOut(Schema):
    name: str
    label: str
    type: str
    type_label: str
    required: bool
    choices: list[ChoiceOut]
    max_length: int | None
    min_value: int | None
    max_value: int | None
    help: str


class FieldOut(ColumnOut):
    requirements: list[str]
    columns: list[ColumnOut] = Field(description="表格类型字段的列")


class StageOut(Schema):
    value: str
    label: str


class KindOut(Schema):
    code: str
    name: str
    description: str
    stages: list[StageOut]
    per_page_signatures: bool = Field(description="笔录:被询问人等逐页签名 (INV-11/12)")
    activity_time_required: bool
    place_required: bool
    max_interviewees: int | None
    requirements: list[str]
    fields: list[FieldOut]


def _column(spec: FieldSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "label": spec.label,
        "type": str(spec.type),
        "type_label": FIELD_TYPE_LABELS[spec.type],
        "required": spec.required,
        "choices": [{"value": v, "label": label} for v, label in spec.choices],
        "max_length": spec.max_length,
        "min_value": spec.min_value,
        "max_value": spec.max_value,
        "help": spec.help,
    }


def kind_out(kind: RecordKind) -> dict[str, Any]:
    return {
        "code": kind.code,
        "name": kind.name,
        "description": kind.description,
        "stages": [{"value": str(s), "label": Stage(s).label} for s in kind.stages],
        "per_page_signatures": kind.per_page_signatures,
        "activity_time_required": kind.activity_time_required,
        "place_required": kind.place_required,
        "max_interviewees": kind.max_interviewees,
        "requirements": list(kind.requirements),
        "fields": [
            {
                **_column(spec),
                "requirements": list(spec.requirements),
                "columns": [_column(column) for column in spec.columns],
            }
            for spec in kind.fields
        ],
    }


# --- records -----------------------------------------------------------------------------------------


class ParticipantIn(Schema):
    name: str = Field(..., min_length=1, max_length=64, description="姓名")
    role: PersonRole = Field(..., description="身份")
    certificate_number: str | None = Field(None, max_length=64, description="执法证号(执法人员)")
    organisation: str | None = Field(None, max_length=128, description="单位")


def participants_data(participants: list[ParticipantIn]) -> list[dict[str, str]]:
    """Participants as stored: unset optional keys are left out rather than stored as null."""
    return [p.model_dump(mode="json", exclude_none=True) for p in participants]


class RecordIn(Schema):
    kind: str = Field(..., max_length=64, description="文书类型代码,见 GET /api/v1/records/kinds")
    content: dict[str, Any] = Field(default_factory=dict, description="按文书字段填写的内容")
    activity_started_at: Timestamp | None = Field(None, description="活动开始时间 (GEN-09)")
    activity_ended_at: Timestamp | None = Field(None, description="活动结束时间 (GEN-10)")
    place: str = Field("", max_length=256, description="地点")
    participants: list[ParticipantIn] = Field(default_factory=list, description="参与人员")
    page_count: int = Field(1, ge=1, le=MAX_PAGE_COUNT, description="页数(笔录逐页签名)")


class RecordPatchIn(Schema):
    """Only the keys sent change; ``content`` replaces the whole content. ``null`` clears a time."""

    content: dict[str, Any] | None = None
    activity_started_at: Timestamp | None = None
    activity_ended_at: Timestamp | None = None
    place: str | None = Field(None, max_length=256)
    participants: list[ParticipantIn] | None = None
    page_count: int | None = Field(None, ge=1, le=MAX_PAGE_COUNT)


class CorrectionIn(Schema):
    content: dict[str, Any] = Field(..., description="更正后的完整内容")
    reason: str = Field(..., min_length=1, max_length=512, description="更正原因 (INTEGRITY-05)")
    activity_started_at: Timestamp | None = None
    activity_ended_at: Timestamp | None = None
    place: str | None = Field(None, max_length=256)
    participants: list[ParticipantIn] | None = None
    page_count: int | None = Field(None, ge=1, le=MAX_PAGE_COUNT)
    seal: bool = Field(True, description="true:更正记录立即封存;false:保存为草稿,稍后封存")


class SignatureIn(Schema):
    signer_name: str = Field(..., min_length=1, max_length=64)
    signer_role: PersonRole
    method: SignatureMethod
    page: int | None = Field(None, ge=1, description="页码;笔录必填 (INV-11/12)")
    image_sha256: str = Field("", max_length=64, description="签名、盖章或押印图像的 SHA-256(须已上传)")
    refusal_reason: str = Field("", max_length=512, description="拒签情况 (DECIDE-04)")
    witness_name: str = Field("", max_length=64, description="见证人(拒签时必填)")
    signer_user_id: int | None = Field(None, description="签名人为本机关工作人员时,其用户编号")


class SignatureOut(Schema):
    id: int
    page: int | None
    signer_name: str
    signer_role: str
    signer_role_label: str
    signer_user_id: int | None
    method: str
    method_label: str
    image_sha256: str
    refusal_reason: str
    witness_name: str
    signed_at: datetime
    recorded_by_id: int

    @staticmethod
    def resolve_signer_role_label(obj: Signature) -> str:
        return obj.get_signer_role_display()

    @staticmethod
    def resolve_method_label(obj: Signature) -> str:
        return obj.get_method_display()


class RecordOut(Schema):
    id: int
    case_id: int
    kind: str
    kind_name: str
    stage: str
    stage_label: str
    status: str
    status_label: str
    version: int
    content: dict[str, Any]
    activity_started_at: datetime | None
    activity_ended_at: datetime | None
    place: str
    participants: list[dict[str, Any]]
    page_count: int
    author_id: int
    author_name: str
    created_at: datetime
    updated_at: datetime
    sealed_at: datetime | None
    sealed_by_id: int | None
    supersedes_id: int | None = Field(description="本记录更正的原记录")
    superseded_by_id: int | None = Field(description="更正本记录的新记录;非空表示本记录已被更正")
    correction_reason: str
    signatures: list[SignatureOut]

    @staticmethod
    def resolve_kind_name(obj: Record) -> str:
        kind = _KINDS.get(obj.kind)
        return kind.name if kind else obj.kind

    @staticmethod
    def resolve_stage_label(obj: Record) -> str:
        return obj.get_stage_display()

    @staticmethod
    def resolve_status_label(obj: Record) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_author_name(obj: Record) -> str:
        return obj.author.display_name

    @staticmethod
    def resolve_superseded_by_id(obj: Record) -> int | None:
        try:
            return obj.superseded_by.pk
        except Record.DoesNotExist:
            return None

    @staticmethod
    def resolve_signatures(obj: Record) -> list[Signature]:
        return list(obj.signatures.all())
