"""Media objects (音像记录): content-addressed blobs and the recording of each upload."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from quancheng.accounts.models import Agency
from quancheng.cases.models import Case
from quancheng.ledger.models import Ledgered
from quancheng.records.models import Record


class Blob(Ledgered):
    """Stored bytes, addressed by their SHA-256; identical content is stored once."""

    ledger_kind = "blob"

    sha256 = models.CharField("SHA-256", max_length=64, primary_key=True)
    size = models.BigIntegerField("字节数")
    stored_at = models.DateTimeField("入库时间", default=timezone.now)

    class Meta:
        verbose_name = "存储对象"
        verbose_name_plural = "存储对象"


class DeviceStatus(models.TextChoices):
    IN_SERVICE = "in_service", "在用"
    CHECKED_OUT = "checked_out", "已领用"
    REPAIR = "repair", "维修"
    RETIRED = "retired", "报废"


class Device(Ledgered):
    """执法记录仪 or 采集站 (DEVICE-*)."""

    ledger_kind = "device"
    ledger_actor_prefix = "device"

    agency = models.ForeignKey(Agency, verbose_name="所属机关", on_delete=models.PROTECT, related_name="devices")
    serial = models.CharField("序列号", max_length=64, unique=True)
    model = models.CharField("型号", max_length=64)
    status = models.CharField("状态", max_length=16, choices=DeviceStatus.choices, default=DeviceStatus.IN_SERVICE)

    class Meta:
        verbose_name = "执法记录仪"
        verbose_name_plural = "执法记录仪"

    def __str__(self) -> str:
        return f"{self.model} {self.serial}"


class MediaKind(models.TextChoices):
    VIDEO = "video", "录像"
    AUDIO = "audio", "录音"
    PHOTO = "photo", "照相"
    DOCUMENT = "document", "文件"


class MediaObject(Ledgered):
    """One recorded upload of a blob: who captured it, when, with what, and where it belongs."""

    ledger_kind = "media"

    blob = models.ForeignKey(Blob, verbose_name="内容", on_delete=models.PROTECT, related_name="media_objects")
    agency = models.ForeignKey(Agency, verbose_name="所属机关", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        Case, verbose_name="案件", null=True, blank=True, on_delete=models.PROTECT, related_name="media_objects"
    )
    record = models.ForeignKey(
        Record, verbose_name="记录", null=True, blank=True, on_delete=models.PROTECT, related_name="media_objects"
    )
    kind = models.CharField("类型", max_length=16, choices=MediaKind.choices)
    content_type = models.CharField("MIME 类型", max_length=128)
    original_name = models.CharField("原文件名", max_length=256, blank=True)
    captured_at = models.DateTimeField("拍摄时间", null=True, blank=True)
    device = models.ForeignKey(
        Device, verbose_name="采集设备", null=True, blank=True, on_delete=models.PROTECT, related_name="media_objects"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="拍摄人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "音像资料"
        verbose_name_plural = "音像资料"
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.blob_id[:12]}"
