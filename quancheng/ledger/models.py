"""The tamper-evident log.

``LedgerEntry.entry`` holds the exact canonical bytes that were hashed; the other columns repeat them for
querying. ``LedgerHead`` is a single row holding the tree size, root and frontier: writers lock it, which
numbers entries from 0 without gaps however many write at once.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import rfc8785
from django.db import models
from django.utils import timezone


class LedgerAction(models.TextChoices):
    """The typed vocabulary of what can happen; codes are stable and appear in public entries."""

    AGENCY_SAVED = "agency.saved", "机构信息登记"
    UNIT_SAVED = "unit.saved", "内设机构登记"
    USER_SAVED = "user.saved", "人员信息登记"
    ROLE_GRANTED = "role.granted", "授予角色"
    ROLE_REVOKED = "role.revoked", "撤销角色"
    CERTIFICATE_SAVED = "certificate.saved", "执法证登记"
    CERTIFICATE_REVOKED = "certificate.revoked", "执法证注销"
    TOKEN_CREATED = "token.created", "创建访问令牌"
    TOKEN_REVOKED = "token.revoked", "吊销访问令牌"
    PARTY_CREATED = "party.created", "当事人登记"
    CASE_OPENED = "case.opened", "案件登记"
    CASE_HANDLERS_SET = "case.handlers_set", "指定承办人"
    CASE_PARTY_ADDED = "case.party_added", "添加当事人"
    CASE_STAGE_CHANGED = "case.stage_changed", "案件环节变更"
    RECORD_DRAFTED = "record.drafted", "起草记录"
    RECORD_UPDATED = "record.updated", "修改草稿"
    RECORD_SEALED = "record.sealed", "记录封存"
    RECORD_CORRECTED = "record.corrected", "更正记录"
    RECORD_SIGNED = "record.signed", "签名"
    MEDIA_INGESTED = "media.ingested", "音像资料入库"
    MEDIA_ATTACHED = "media.attached", "音像资料关联"
    BLOB_STORED = "blob.stored", "存储对象入库"
    DEVICE_REGISTERED = "device.registered", "执法记录仪登记"
    # Schema maintenance, not a domain event: a migration that adds ``ledger_salt`` re-anchors each existing row
    # whose stored state still matched its anchor; ``digests["previous"]`` is that anchor's row digest.
    LEDGER_SALT_ADDED = "ledger.salt_added", "账本摘要加盐"
    # Schema maintenance too: a migration that adds fields to a ledgered model re-anchors each row that still
    # matched its anchor without them; ``digests["previous"]`` is that anchor (ledger.salting).
    LEDGER_SCHEMA_MIGRATED = "ledger.schema_migrated", "数据结构升级重新锚定"
    CASE_EXPORTED = "case.exported", "导出案卷包"
    PARTY_ACCOUNT_LINKED = "party.account_linked", "关联当事人账号"
    CALENDAR_DAY_SAVED = "calendar.day_saved", "节假日安排登记"
    MEDIA_LINKED = "media.linked", "音像资料关联案件"
    MEDIA_VIEWED = "media.viewed", "查看音像资料信息"
    MEDIA_PLAYED = "media.played", "播放音像资料"
    MEDIA_DOWNLOADED = "media.downloaded", "下载音像资料"
    MEDIA_SHARED = "media.shared", "提供音像资料"
    MEDIA_EXPORTED = "media.exported", "导出音像资料"
    MEDIA_RETENTION_SET = "media.retention_set", "设定音像资料保存类别"
    MEDIA_HOLD_PLACED = "media.hold_placed", "音像资料诉讼保全"
    MEDIA_HOLD_RELEASED = "media.hold_released", "解除音像资料保全"
    MEDIA_DISPOSED = "media.disposed", "音像资料到期销毁"
    BLOB_DISPOSED = "blob.disposed", "存储对象销毁"
    DEVICE_CHECKED_OUT = "device.checked_out", "执法记录仪领用"
    DEVICE_RETURNED = "device.returned", "执法记录仪归还"
    DEVICE_MANIFEST_SUBMITTED = "device.manifest_submitted", "执法记录仪文件清单报送"
    APPROVAL_REQUESTED = "approval.requested", "提请审批"
    APPROVAL_DECIDED = "approval.decided", "审批决定"
    FINDING_RAISED = "finding.raised", "合规提示"
    FINDING_RESOLVED = "finding.resolved", "合规提示消除"
    FINDING_WAIVED = "finding.waived", "合规提示豁免"
    PARAMETER_SET = "parameter.set", "规则参数设置"
    UPLOAD_CREATED = "upload.created", "创建断点续传上传"
    UPLOAD_COMPLETED = "upload.completed", "断点续传上传完成"
    UPLOAD_FAILED = "upload.failed", "断点续传上传失败"
    UPLOAD_TERMINATED = "upload.terminated", "终止断点续传上传"
    UPLOAD_EXPIRED = "upload.expired", "断点续传上传过期清理"
    DEVICE_TOKEN_CREATED = "device_token.created", "创建设备上传令牌"
    DEVICE_TOKEN_REVOKED = "device_token.revoked", "吊销设备上传令牌"


APPEND_ONLY_UPDATE = "账本条目只能追加,不得修改"
APPEND_ONLY_DELETE = "账本条目只能追加,不得删除"
APPEND_ONLY_BULK_CREATE = "账本条目只能经 ledger_append 逐条追加,不得批量写入"


class LedgerEntryQuerySet(models.QuerySet):
    """Refuses every bulk write. It is both the default and the base manager's queryset (``Meta``), so
    ``LedgerEntry._base_manager`` (used by Django internals and reachable by anyone) refuses too."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionError(APPEND_ONLY_UPDATE)

    def _update(self, values: Any) -> int:
        # The path Model.save() takes for an existing row; save() refuses first, this is the backstop.
        raise PermissionError(APPEND_ONLY_UPDATE)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError(APPEND_ONLY_DELETE)

    def _raw_delete(self, using: Any) -> int:
        # The deletion collector's fast path, which skips delete().
        raise PermissionError(APPEND_ONLY_DELETE)

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        # Refused outright, not only with update_conflicts/ignore_conflicts (which overwrite or hide an existing
        # entry on a key clash): entries written in bulk would also bypass the head, so the tree would not grow
        # with them. ledger_append writes one entry at a time under the head's lock.
        raise PermissionError(APPEND_ONLY_BULK_CREATE)


class LedgerEntry(models.Model):
    index = models.BigIntegerField("序号", primary_key=True)
    # No ``choices`` here: the vocabulary grows with the domain, and the column needs no migration for it.
    action = models.CharField("动作", max_length=64)
    actor = models.CharField("操作者", max_length=64)
    subject = models.CharField("对象", max_length=128, db_index=True)
    at = models.CharField("时间", max_length=40)
    digests = models.JSONField("摘要")
    entry = models.BinaryField("规范化条目")
    leaf_hash = models.BinaryField("叶哈希", max_length=32)
    tree_root = models.BinaryField("树根(含本条)", max_length=32)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "账本条目"
        verbose_name_plural = "账本条目"
        ordering = ["index"]
        # Without this, Django's plain base manager would let ``_base_manager.filter(...).update()`` through.
        base_manager_name = "objects"

    def __str__(self) -> str:
        return f"#{self.index} {self.action} {self.subject}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Append-only: a row that already exists can never be written again through the ORM.
        if not self._state.adding:
            raise PermissionError(APPEND_ONLY_UPDATE)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError(APPEND_ONLY_DELETE)


class LedgerHead(models.Model):
    """Singleton (pk=1): the current size, root and frontier of the log."""

    size = models.BigIntegerField(default=0)
    root = models.BinaryField(max_length=32)
    frontier = models.JSONField(default=list)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "账本状态"
        verbose_name_plural = "账本状态"

    def __str__(self) -> str:
        return f"size={self.size}"


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = value.astimezone(UTC)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, float):
        # Canonical JSON forbids ambiguity in floats; none of our tracked fields should be floats.
        return repr(value)
    return value


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# 16 random bytes (32 hex characters) per row: enough that a row digest cannot be confirmed by guessing.
LEDGER_SALT_BYTES = 16


def new_ledger_salt() -> str:
    """A fresh random salt for one row (the field default; migrations refer to it by this name)."""
    return secrets.token_hex(LEDGER_SALT_BYTES)


class Ledgered(models.Model):
    """Mixin for rows whose state is anchored in the ledger.

    Every write to such a row appends an entry whose ``digests["row"]`` is ``ledger_digest()``; verify
    recomputes it from the row and compares it with the latest entry for the row's subject.

    ``ledger_salt`` is a random value of the row's own, part of the snapshot like every concrete field: row
    digests are public, and without it anyone could confirm a guess at a row's personal data (a party's name
    and ID number) by hashing candidates offline. The salt is never published.

    ``ledger_final_actions``: after an entry with one of these actions for a row, no later entry may anchor a
    new state of that row (verify reports "changed after final"); e.g. a record is final once sealed.
    """

    ledger_kind: ClassVar[str] = ""
    ledger_exclude: ClassVar[frozenset[str]] = frozenset()
    ledger_final_actions: ClassVar[frozenset[str]] = frozenset()

    ledger_salt = models.CharField("摘要盐值", max_length=32, default=new_ledger_salt, editable=False)

    class Meta:
        abstract = True

    def ledger_subject(self) -> str:
        return f"{self.ledger_kind}:{self.pk}"

    def ledger_snapshot(self) -> dict[str, Any]:
        return row_snapshot(self, self.ledger_exclude)

    def ledger_digest(self) -> str:
        return sha256_hex(rfc8785.dumps(self.ledger_snapshot()))


def row_snapshot(row: models.Model, exclude: frozenset[str] | set[str]) -> dict[str, Any]:
    """Every concrete field of ``row`` except ``exclude`` (names or attnames), as JSON-ready values.

    A plain function so migrations can digest rows of historical models, which lack ``Ledgered``'s methods.
    """
    snapshot: dict[str, Any] = {}
    for field in row._meta.concrete_fields:
        if field.attname in exclude or field.name in exclude:
            continue
        snapshot[field.attname] = _json_value(getattr(row, field.attname))
    return snapshot


class LedgerNode(models.Model):
    """An interior node of the Merkle tree: the hash of the perfect subtree at (level, index), level >= 1.

    Level 0 is ``LedgerEntry.leaf_hash``. Every node is written once, when its subtree becomes complete, so
    proofs and tiles read stored hashes and never recompute the tree. ``key`` packs (level, index) into one
    integer (level * 2**48 + index) so a proof's nodes come back in one indexed query.
    """

    key = models.BigIntegerField(primary_key=True)
    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = "默克尔树节点"
        verbose_name_plural = "默克尔树节点"

    def __str__(self) -> str:
        return f"node {self.level}/{self.index}"


class LedgerCheckpoint(models.Model):
    """A signed checkpoint (C2SP tlog-checkpoint in a C2SP signed note): every one is kept."""

    size = models.BigIntegerField("树大小", db_index=True)
    root = models.BinaryField("树根", max_length=32)
    note = models.TextField("签名文本")
    key_id = models.CharField("密钥编号", max_length=8)
    created_at = models.DateTimeField("生成时间", default=timezone.now)

    class Meta:
        verbose_name = "签名检查点"
        verbose_name_plural = "签名检查点"
        ordering = ["size", "pk"]

    def __str__(self) -> str:
        return f"checkpoint size={self.size}"
