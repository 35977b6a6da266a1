"""Resumable uploads (tus 1.0.0) and the device tokens that 执法记录仪 upload with.

An ``Upload`` is one tus upload resource: what is being sent (declared length and metadata: case, record, stage,
capture device and time, the SHA-256 the device computed) and where the transfer stands. Its lifecycle —
created, completed (the media object made from it), failed, terminated, expired — is anchored in the ledger;
the transfer bookkeeping that changes with every chunk (offset, the PATCH lease, the sliding expiry) is not
part of the row's digest, like an API token's ``last_used_at``: the bytes themselves are anchored once, by
their SHA-256, when the media object is recorded.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from quancheng.accounts.models import Agency
from quancheng.cases.models import Case
from quancheng.evidence.models import Device, MediaKind, MediaObject
from quancheng.ledger.models import Ledgered
from quancheng.records.models import Record


class DeviceToken(Ledgered):
    """A bearer token a device uploads with; only its SHA-256 is stored, the secret is shown once."""

    ledger_kind = "device_token"
    ledger_exclude: ClassVar[frozenset[str]] = frozenset({"last_used_at"})

    device = models.ForeignKey(Device, verbose_name="设备", on_delete=models.PROTECT, related_name="upload_tokens")
    name = models.CharField("用途", max_length=64, blank=True)
    prefix = models.CharField("前缀", max_length=16, unique=True)
    token_hash = models.CharField("令牌摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "设备上传令牌"
        verbose_name_plural = "设备上传令牌"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.device})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class UploadStatus(models.TextChoices):
    RECEIVING = "receiving", "接收中"
    COMPLETED = "completed", "已入库"
    FAILED = "failed", "失败"
    TERMINATED = "terminated", "已终止"
    EXPIRED = "expired", "已过期"


class Upload(Ledgered):
    """One tus upload resource, addressed by a random UUID (its URL is not guessable)."""

    ledger_kind = "upload"
    # Transfer bookkeeping, changed by every chunk: not anchored (see the module docstring).
    ledger_exclude: ClassVar[frozenset[str]] = frozenset(
        {"offset", "lease_token", "lease_until", "expires_at", "updated_at"}
    )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, verbose_name="所属机关", on_delete=models.PROTECT, related_name="+")
    # Who sends the bytes: a user (API token) or a device (device token), never both.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploader_device = models.ForeignKey(
        Device, verbose_name="上传设备", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What is sent (tus Upload-Length and Upload-Metadata, checked when the upload is created).
    length = models.BigIntegerField("总字节数")
    metadata = models.JSONField("上传元数据", default=dict)
    original_name = models.CharField("原文件名", max_length=256, blank=True)
    content_type = models.CharField("MIME 类型", max_length=128, blank=True)
    kind = models.CharField("类型", max_length=16, choices=MediaKind.choices)
    case = models.ForeignKey(
        Case, verbose_name="案件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    record = models.ForeignKey(
        Record, verbose_name="记录", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField("环节", max_length=32, blank=True)
    device = models.ForeignKey(
        Device, verbose_name="采集设备", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    captured_at = models.DateTimeField("拍摄时间", null=True, blank=True)
    declared_sha256 = models.CharField("声明的 SHA-256", max_length=64, blank=True)
    # Where it stands.
    status = models.CharField("状态", max_length=16, choices=UploadStatus.choices, default=UploadStatus.RECEIVING)
    offset = models.BigIntegerField("已接收字节数", default=0)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    media = models.ForeignKey(
        MediaObject, verbose_name="音像资料", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error_code = models.CharField("错误代码", max_length=64, blank=True)
    error_message = models.CharField("错误说明", max_length=512, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("最近接收", default=timezone.now)
    expires_at = models.DateTimeField("过期时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    # One PATCH at a time: a request takes the lease with a conditional UPDATE (no row lock is held while bytes
    # stream in, which on SQLite would stop every other writer); a lease outlives no worker (see settings).
    lease_token = models.CharField("写入租约", max_length=32, blank=True)
    lease_until = models.DateTimeField("租约到期", null=True, blank=True)

    class Meta:
        verbose_name = "断点续传上传"
        verbose_name_plural = "断点续传上传"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="upload_status_expiry")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(uploaded_by__isnull=False, uploader_device__isnull=True)
                | models.Q(uploaded_by__isnull=True, uploader_device__isnull=False),
                name="upload_one_uploader",
            ),
            models.CheckConstraint(
                condition=models.Q(offset__gte=0) & models.Q(offset__lte=models.F("length")),
                name="upload_offset_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name or self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.offset == self.length

    def is_expired(self, now: object | None = None) -> bool:
        moment = now or timezone.now()
        return self.status == UploadStatus.RECEIVING and self.expires_at <= moment
