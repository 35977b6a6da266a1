"""Stable error vocabulary.

Every refusal the system makes carries an ``ErrorCode``: the code is stable (clients branch on it), the
message is Chinese (users read it), and the HTTP status follows from the code. Services raise
``DomainError``; the API's single handler turns it into ``{"code": ..., "message": ...}``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    # 400/422: the request itself is wrong
    VALIDATION_ERROR = "validation_error"
    INVALID_ID_NUMBER = "invalid_id_number"
    INVALID_USCC = "invalid_uscc"
    UNKNOWN_RECORD_KIND = "unknown_record_kind"
    RECORD_CONTENT_INVALID = "record_content_invalid"
    INVALID_SIGNATURE = "invalid_signature"
    UPLOAD_MISSING_FILE = "upload_missing_file"
    DIGEST_MISMATCH = "digest_mismatch"
    PROOF_OUT_OF_RANGE = "proof_out_of_range"
    MEDIA_UNREADABLE = "media_unreadable"
    MEDIA_TYPE_MISMATCH = "media_type_mismatch"
    PURPOSE_REQUIRED = "purpose_required"
    # 401/403/404
    UNAUTHENTICATED = "unauthenticated"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    # 409: the request is fine but the state of the world refuses it
    RECORD_SEALED = "record_sealed"
    RECORD_ALREADY_SEALED = "record_already_sealed"
    RECORD_NOT_SEALED = "record_not_sealed"
    RECORD_SUPERSEDED = "record_superseded"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    RULE_VIOLATION = "rule_violation"
    APPROVAL_DECIDED = "approval_decided"
    STAFFING_INSUFFICIENT = "staffing_insufficient"
    CASE_CLOSED = "case_closed"
    DUPLICATE = "duplicate"
    LEDGER_MISMATCH = "ledger_mismatch"
    DEVICE_UNAVAILABLE = "device_unavailable"
    MEDIA_DISPOSED = "media_disposed"
    # 416
    RANGE_NOT_SATISFIABLE = "range_not_satisfiable"
    # 413
    UPLOAD_TOO_LARGE = "upload_too_large"
    REQUEST_TOO_LARGE = "request_too_large"
    # tus resumable uploads (uploads app): the statuses tus 1.0.0 prescribes
    UPLOAD_OFFSET_MISMATCH = "upload_offset_mismatch"
    UPLOAD_LOCKED = "upload_locked"
    UPLOAD_GONE = "upload_gone"
    CHECKSUM_MISMATCH = "checksum_mismatch"
    CHECKSUM_ALGORITHM_UNSUPPORTED = "checksum_algorithm_unsupported"
    TUS_VERSION_UNSUPPORTED = "tus_version_unsupported"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    # 503: a dependency (the blob store: local disk or S3) is unreachable; nothing was lost, retry later
    STORAGE_UNAVAILABLE = "storage_unavailable"


_STATUS: dict[ErrorCode, int] = {
    ErrorCode.VALIDATION_ERROR: 422,
    ErrorCode.INVALID_ID_NUMBER: 422,
    ErrorCode.INVALID_USCC: 422,
    ErrorCode.UNKNOWN_RECORD_KIND: 422,
    ErrorCode.RECORD_CONTENT_INVALID: 422,
    ErrorCode.INVALID_SIGNATURE: 422,
    ErrorCode.UPLOAD_MISSING_FILE: 400,
    ErrorCode.DIGEST_MISMATCH: 422,
    ErrorCode.PROOF_OUT_OF_RANGE: 422,
    ErrorCode.MEDIA_UNREADABLE: 422,
    ErrorCode.MEDIA_TYPE_MISMATCH: 422,
    ErrorCode.PURPOSE_REQUIRED: 422,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.RECORD_SEALED: 409,
    ErrorCode.RECORD_ALREADY_SEALED: 409,
    ErrorCode.RECORD_NOT_SEALED: 409,
    ErrorCode.RECORD_SUPERSEDED: 409,
    ErrorCode.TRANSITION_NOT_ALLOWED: 409,
    ErrorCode.RULE_VIOLATION: 409,
    ErrorCode.APPROVAL_DECIDED: 409,
    ErrorCode.STAFFING_INSUFFICIENT: 409,
    ErrorCode.CASE_CLOSED: 409,
    ErrorCode.DUPLICATE: 409,
    ErrorCode.LEDGER_MISMATCH: 409,
    ErrorCode.DEVICE_UNAVAILABLE: 409,
    ErrorCode.MEDIA_DISPOSED: 410,
    ErrorCode.RANGE_NOT_SATISFIABLE: 416,
    ErrorCode.UPLOAD_TOO_LARGE: 413,
    ErrorCode.REQUEST_TOO_LARGE: 413,
    ErrorCode.UPLOAD_OFFSET_MISMATCH: 409,
    ErrorCode.UPLOAD_LOCKED: 423,
    ErrorCode.UPLOAD_GONE: 410,
    ErrorCode.CHECKSUM_MISMATCH: 460,  # tus checksum extension: "460 Checksum Mismatch"
    ErrorCode.CHECKSUM_ALGORITHM_UNSUPPORTED: 400,
    ErrorCode.TUS_VERSION_UNSUPPORTED: 412,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.STORAGE_UNAVAILABLE: 503,
}

DEFAULT_MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.VALIDATION_ERROR: "请求数据格式不正确",
    ErrorCode.INVALID_ID_NUMBER: "居民身份证号码校验失败",
    ErrorCode.INVALID_USCC: "统一社会信用代码校验失败",
    ErrorCode.UNKNOWN_RECORD_KIND: "未知的记录类型",
    ErrorCode.RECORD_CONTENT_INVALID: "记录内容不符合该文书的字段要求",
    ErrorCode.INVALID_SIGNATURE: "签名信息不完整",
    ErrorCode.UPLOAD_MISSING_FILE: "未收到上传文件",
    ErrorCode.DIGEST_MISMATCH: "文件摘要与声明值不一致",
    ErrorCode.PROOF_OUT_OF_RANGE: "证明的序号或树大小超出账本范围",
    ErrorCode.MEDIA_UNREADABLE: "文件内容无法识别为有效的音像资料",
    ErrorCode.MEDIA_TYPE_MISMATCH: "文件内容与声明的类型不符",
    ErrorCode.PURPOSE_REQUIRED: "调阅音像资料须说明用途(须为允许的执法用途之一)",
    ErrorCode.UNAUTHENTICATED: "请先登录或提供有效的访问令牌",
    ErrorCode.PERMISSION_DENIED: "无权执行此操作",
    ErrorCode.NOT_FOUND: "对象不存在或无权查看",
    ErrorCode.METHOD_NOT_ALLOWED: "该接口不支持此请求方法",
    ErrorCode.RECORD_SEALED: "记录已封存,不得修改;如需更正请提交更正记录",
    ErrorCode.RECORD_ALREADY_SEALED: "记录已封存,不能重复封存",
    ErrorCode.RECORD_NOT_SEALED: "记录尚未封存",
    ErrorCode.RECORD_SUPERSEDED: "该记录已被更正,请在最新版本上操作",
    ErrorCode.TRANSITION_NOT_ALLOWED: "当前阶段不允许此操作",
    ErrorCode.RULE_VIOLATION: "不符合执法程序规定,操作被拒绝",
    ErrorCode.APPROVAL_DECIDED: "该审批已作出决定,不能重复审批",
    ErrorCode.STAFFING_INSUFFICIENT: "调查取证须由2名以上持有效执法证件的人员承办",
    ErrorCode.CASE_CLOSED: "案件已归档,不得修改",
    ErrorCode.DUPLICATE: "对象已存在",
    ErrorCode.LEDGER_MISMATCH: "数据与账本记录不一致,请运行 quancheng verify 排查",
    ErrorCode.DEVICE_UNAVAILABLE: "设备当前不可领用或归还",
    ErrorCode.MEDIA_DISPOSED: "该音像资料已按保存期限销毁",
    ErrorCode.RANGE_NOT_SATISFIABLE: "请求的字节范围无效或超出文件大小",
    ErrorCode.UPLOAD_TOO_LARGE: "上传文件超过大小限制",
    ErrorCode.REQUEST_TOO_LARGE: "请求体超过大小限制",
    ErrorCode.UPLOAD_OFFSET_MISMATCH: "上传偏移量与服务器记录不一致,请先查询(HEAD)当前偏移量再续传",
    ErrorCode.UPLOAD_LOCKED: "该上传正由另一请求写入,请稍后重试",
    ErrorCode.UPLOAD_GONE: "该上传已过期、已终止或已失败,请重新创建上传",
    ErrorCode.CHECKSUM_MISMATCH: "本段数据与 Upload-Checksum 校验值不一致,未予保存,请重传本段",
    ErrorCode.CHECKSUM_ALGORITHM_UNSUPPORTED: "不支持该校验算法(支持 sha256、sha1)",
    ErrorCode.TUS_VERSION_UNSUPPORTED: "不支持该 tus 协议版本(支持 1.0.0)",
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: "请求体类型应为 application/offset+octet-stream",
    ErrorCode.STORAGE_UNAVAILABLE: "存储服务暂时不可用,已接收的数据已保留,请稍后重试",
}


def status_for(code: ErrorCode) -> int:
    return _STATUS[code]


class DomainError(Exception):
    """A refusal with a stable code and a Chinese message; raised by services and selectors."""

    def __init__(self, code: ErrorCode, message: str | None = None, **extra: Any) -> None:
        self.code = code
        self.message = message or DEFAULT_MESSAGES[code]
        self.extra = extra
        super().__init__(f"{code}: {self.message}")

    @property
    def status(self) -> int:
        return status_for(self.code)

    def as_dict(self) -> dict[str, Any]:
        return {"code": str(self.code), "message": self.message, **self.extra}


def require(condition: bool, code: ErrorCode, message: str | None = None) -> None:
    """Refuse with ``code`` unless ``condition`` holds (the one-line guard every service uses)."""
    if not condition:
        raise DomainError(code, message)
