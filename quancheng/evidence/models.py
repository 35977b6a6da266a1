"""Media objects (音像记录): content-addressed blobs and the recording of each upload."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from quancheng.accounts.models import Agency
from quancheng.cases.models import Case, Stage
from quancheng.ledger.models import Ledgered
from quancheng.records.models import Record


class AddedFieldsLedgered(Ledgered):
    """A ledgered model that gained fields after rows of it were anchored.

    Each field named in ``ledger_added_empty`` is left out of the row snapshot while it holds that empty value, so
    rows anchored before the field existed keep their digest (no re-anchoring migration), while any value set —
    or changed from empty, or back to empty — changes the digest as usual: tampering is still seen.
    """

    ledger_added_empty: ClassVar[dict[str, Any]] = {}

    class Meta:
        abstract = True

    def ledger_snapshot(self) -> dict[str, Any]:
        snapshot = super().ledger_snapshot()
        for attname, empty in self.ledger_added_empty.items():
            if attname in snapshot and snapshot[attname] == empty:
                del snapshot[attname]
        return snapshot


class Blob(AddedFieldsLedgered):
    """Stored bytes, addressed by their SHA-256; identical content is stored once."""

    ledger_kind = "blob"
    ledger_added_empty = {"disposed_at": None}

    sha256 = models.CharField("SHA-256", max_length=64, primary_key=True)
    size = models.BigIntegerField("字节数")
    stored_at = models.DateTimeField("入库时间", default=timezone.now)
    # Set when retention disposal removed the bytes (``BlobDisposal`` says why); cleared if the same bytes are
    # ingested again. ``quancheng verify`` does not look for the bytes of a disposed blob.
    disposed_at = models.DateTimeField("销毁时间", null=True, blank=True)

    class Meta:
        verbose_name = "存储对象"
        verbose_name_plural = "存储对象"


class DeviceStatus(models.TextChoices):
    IN_SERVICE = "in_service", "在用"
    CHECKED_OUT = "checked_out", "已领用"
    REPAIR = "repair", "维修"
    RETIRED = "retired", "报废"


class DeviceType(models.TextChoices):
    """DEVICE-01: the 执法记录仪 first, then the other capture equipment the samples name."""

    BODY_CAMERA = "body_camera", "执法记录仪"
    CAMERA = "camera", "照相机"
    CAMCORDER = "camcorder", "摄像机"
    SURVEILLANCE = "surveillance", "视频监控设施"
    CAPTURE_STATION = "capture_station", "采集站"


class Device(AddedFieldsLedgered):
    """执法记录仪 or 采集站 (DEVICE-*)."""

    ledger_kind = "device"
    ledger_actor_prefix = "device"
    ledger_added_empty = {"device_type": DeviceType.BODY_CAMERA.value}

    agency = models.ForeignKey(Agency, verbose_name="所属机关", on_delete=models.PROTECT, related_name="devices")
    serial = models.CharField("序列号", max_length=64, unique=True)
    model = models.CharField("型号", max_length=64)
    status = models.CharField("状态", max_length=16, choices=DeviceStatus.choices, default=DeviceStatus.IN_SERVICE)
    device_type = models.CharField(
        "设备类别", max_length=16, choices=DeviceType.choices, default=DeviceType.BODY_CAMERA
    )

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


class RetentionClass(models.TextChoices):
    """ARCHIVE-03: retention is set per class. Media linked to a case is evidence and kept with the case file
    (ARCHIVE-01); footage linked to no case is ordinary, kept for ``QUANCHENG_MEDIA_RETENTION_MONTHS``."""

    ORDINARY = "ordinary", "一般音像资料"
    EVIDENCE = "evidence", "证据(随案卷保存)"


class MediaObject(AddedFieldsLedgered):
    """One recorded upload of a blob: who captured it, when, with what, and where it belongs."""

    ledger_kind = "media"
    ledger_added_empty = {
        "stage": "",
        "retention_class": "",
        "uploaded_by_device_id": None,
        "container": "",
        "duration_ms": None,
        "width": None,
        "height": None,
        "video_codec": "",
        "audio_codec": "",
        "recorded_at": None,
        "gps_latitude": None,
        "gps_longitude": None,
        "orientation": None,
        "preview_id": None,
        "preview_width": None,
        "preview_height": None,
        "metadata": {},
    }

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
    # Null when a device uploaded with its own token (``uploaded_by_device``).
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_by_device = models.ForeignKey(
        Device, verbose_name="上传设备", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)
    stage = models.CharField("所属环节", max_length=32, choices=Stage.choices, blank=True)
    # Empty: decided by the link (evidence once linked to a case, ordinary before); "evidence" keeps unlinked footage.
    retention_class = models.CharField("保存类别", max_length=16, choices=RetentionClass.choices, blank=True)
    # What the bytes say (probe.py), never the file name. Durations in milliseconds and coordinates as decimals:
    # the ledger snapshot carries no floats.
    container = models.CharField("文件格式", max_length=64, blank=True)
    duration_ms = models.BigIntegerField("时长(毫秒)", null=True, blank=True)
    width = models.PositiveIntegerField("宽度(像素)", null=True, blank=True)
    height = models.PositiveIntegerField("高度(像素)", null=True, blank=True)
    video_codec = models.CharField("视频编码", max_length=32, blank=True)
    audio_codec = models.CharField("音频编码", max_length=32, blank=True)
    recorded_at = models.DateTimeField("文件记录的拍摄时间", null=True, blank=True)
    gps_latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    gps_longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    orientation = models.PositiveSmallIntegerField("EXIF 方向", null=True, blank=True)
    # Poster frame (video) or thumbnail (photo), itself a content-addressed blob.
    preview = models.ForeignKey(
        Blob, verbose_name="预览图", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    preview_width = models.PositiveIntegerField("预览图宽度", null=True, blank=True)
    preview_height = models.PositiveIntegerField("预览图高度", null=True, blank=True)
    # Further details from the probe (frame rate, sample rate, camera make, ...): strings and integers only.
    metadata = models.JSONField("技术信息", default=dict, blank=True)

    class Meta:
        verbose_name = "音像资料"
        verbose_name_plural = "音像资料"
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.blob_id[:12]}"

    @property
    def effective_retention_class(self) -> str:
        """Evidence once linked to a case (ARCHIVE-01: kept with the case file), else the class set, else ordinary."""
        if self.case_id is not None:
            return RetentionClass.EVIDENCE
        return self.retention_class or RetentionClass.ORDINARY


# --- devices: checkout and return with the equipment check (DEVICE-03), the device's own file list ---------------


class DeviceCheckKind(models.TextChoices):
    CHECKOUT = "checkout", "领用检查"
    RETURN = "return", "归还检查"


class DeviceCheck(Ledgered):
    """DEVICE-03 装备检查记录: name, model and serial of the equipment as checked, who checked, when, and how it was.

    The name, model and serial are copied from the device at the time, so the record says what was checked even
    if the registry entry changes later.
    """

    ledger_kind = "device_check"

    device = models.ForeignKey(Device, verbose_name="设备", on_delete=models.PROTECT, related_name="checks")
    kind = models.CharField("检查类别", max_length=16, choices=DeviceCheckKind.choices)
    equipment_name = models.CharField("装备名称", max_length=32)
    model = models.CharField("型号", max_length=64)
    serial = models.CharField("序列号", max_length=64)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="检查人", on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField("检查时间", default=timezone.now)
    battery_ok = models.BooleanField("电量正常")
    battery_percent = models.PositiveSmallIntegerField("电量(%)", null=True, blank=True)
    storage_ok = models.BooleanField("存储空间正常")
    storage_free_mb = models.PositiveIntegerField("剩余存储(MB)", null=True, blank=True)
    clock_ok = models.BooleanField("时钟已校准")
    clock_offset_seconds = models.IntegerField("时钟偏差(秒)", null=True, blank=True)
    condition_ok = models.BooleanField("装备完好")
    note = models.CharField("检查情况说明", max_length=512, blank=True)

    class Meta:
        verbose_name = "装备检查记录"
        verbose_name_plural = "装备检查记录"
        ordering = ["checked_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.serial} {self.checked_at:%Y-%m-%d %H:%M}"

    @property
    def passed(self) -> bool:
        return self.battery_ok and self.storage_ok and self.clock_ok and self.condition_ok


class DeviceCheckout(Ledgered):
    """One loan of a device to an officer (DEVICE-04 领用、归还登记), from checkout to return."""

    ledger_kind = "device_checkout"

    device = models.ForeignKey(Device, verbose_name="设备", on_delete=models.PROTECT, related_name="checkouts")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="领用人", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        Case, verbose_name="执法任务所属案件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField("执法任务", max_length=256, blank=True)
    checked_out_at = models.DateTimeField("领用时间", default=timezone.now)
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    checkout_check = models.OneToOneField(
        DeviceCheck, verbose_name="领用检查", on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField("归还时间", null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="归还登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    return_check = models.OneToOneField(
        DeviceCheck, verbose_name="归还检查", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "设备领用登记"
        verbose_name_plural = "设备领用登记"
        ordering = ["-checked_out_at", "-pk"]
        constraints = [
            # A device is out with one holder at a time.
            models.UniqueConstraint(
                fields=["device"], condition=models.Q(returned_at__isnull=True), name="device_one_open_checkout"
            )
        ]

    def __str__(self) -> str:
        return f"{self.device_id} → {self.holder_id} @ {self.checked_out_at:%Y-%m-%d %H:%M}"


class DeviceManifest(Ledgered):
    """The list of files a device (or its holder, for it) says it recorded on one day.

    ``items``: ``[{"sha256", "size", "recorded_at", "name"}]`` sorted by sha256. Several lists may be sent for a
    day (a device syncs more than once); the completeness report takes them together.
    """

    ledger_kind = "device_manifest"

    device = models.ForeignKey(Device, verbose_name="设备", on_delete=models.PROTECT, related_name="manifests")
    day = models.DateField("记录日期")
    items = models.JSONField("文件清单", default=list)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报送人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_by_device = models.ForeignKey(
        Device, verbose_name="报送设备", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("报送时间", default=timezone.now)

    class Meta:
        verbose_name = "设备文件清单"
        verbose_name_plural = "设备文件清单"
        ordering = ["day", "submitted_at", "pk"]
        indexes = [models.Index(fields=["device", "day"])]

    def __str__(self) -> str:
        return f"{self.device_id} {self.day} ({len(self.items)})"


# --- custody (ACCESS-05/06) -------------------------------------------------------------------------------------


class AccessAction(models.TextChoices):
    VIEW = "view", "查看信息"
    PLAY = "play", "播放"
    DOWNLOAD = "download", "下载"
    SHARE = "share", "提供"
    EXPORT = "export", "导出"


class AccessPurpose(models.TextChoices):
    """ACCESS-06's permitted uses, plus handling the case itself: ACCESS-05 forbids only non-enforcement uses."""

    CASE_HANDLING = "case_handling", "执法办案"
    EVIDENCE_IN_PROCEEDINGS = "evidence_in_proceedings", "作为复议、诉讼等程序的证据"
    QUALITY_EVALUATION = "quality_evaluation", "执法人员执法质量评估依据"
    INTERNAL_STUDY = "internal_study", "内部管理和学习交流"
    LAWFUL_PROVISION = "lawful_provision", "依法提供给相关单位或个人"
    RIGHTS_DEFENCE = "rights_defence", "维权和申诉依据"


class MediaAccess(Ledgered):
    """One access to a media object — who, when, what, why (ACCESS-05/06; ARCHIVE-08: export is logged)."""

    ledger_kind = "media_access"

    media = models.ForeignKey(MediaObject, verbose_name="音像资料", on_delete=models.PROTECT, related_name="accesses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="访问人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField("操作", max_length=16, choices=AccessAction.choices)
    purpose = models.CharField("用途", max_length=32, choices=AccessPurpose.choices, blank=True)
    note = models.CharField("说明", max_length=512, blank=True)
    # Share/export: to whom or where the copy went.
    recipient = models.CharField("接收方", max_length=256, blank=True)
    # Playback/download of part of the file: the byte range served ("0-1023"); empty for the whole file.
    byte_range = models.CharField("字节范围", max_length=64, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "音像资料调阅记录"
        verbose_name_plural = "音像资料调阅记录"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["media", "at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} media:{self.media_id} @ {self.at:%Y-%m-%d %H:%M}"


# --- retention --------------------------------------------------------------------------------------------------


class LegalHold(Ledgered):
    """A hold on a media object: while active it is never disposed, whatever its retention class."""

    ledger_kind = "legal_hold"

    media = models.ForeignKey(MediaObject, verbose_name="音像资料", on_delete=models.PROTECT, related_name="holds")
    reason = models.CharField("保全事由", max_length=512)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="设定人", on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField("设定时间", default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="解除人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    released_at = models.DateTimeField("解除时间", null=True, blank=True)
    release_reason = models.CharField("解除事由", max_length=512, blank=True)

    class Meta:
        verbose_name = "保全"
        verbose_name_plural = "保全"
        ordering = ["placed_at", "pk"]

    def __str__(self) -> str:
        return f"hold media:{self.media_id} {'released' if self.released_at else 'active'}"


class MediaDisposal(Ledgered):
    """The disposal of one media object at the end of its retention: it stays on file, its content does not."""

    ledger_kind = "media_disposal"

    media = models.OneToOneField(
        MediaObject, verbose_name="音像资料", on_delete=models.PROTECT, related_name="disposal"
    )
    retention_class = models.CharField("保存类别", max_length=16, choices=RetentionClass.choices)
    retained_until = models.DateTimeField("保存期满")
    reason = models.CharField("销毁事由", max_length=512)
    disposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="执行人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    disposed_at = models.DateTimeField("销毁时间", default=timezone.now)

    class Meta:
        verbose_name = "音像资料销毁记录"
        verbose_name_plural = "音像资料销毁记录"
        ordering = ["disposed_at", "pk"]

    def __str__(self) -> str:
        return f"disposed media:{self.media_id}"


class BlobDisposal(Ledgered):
    """Bytes removed from the store: which (SHA-256), how many, why, when. The ``Blob`` row stays."""

    ledger_kind = "blob_disposal"

    blob = models.ForeignKey(Blob, verbose_name="存储对象", on_delete=models.PROTECT, related_name="disposals")
    size = models.BigIntegerField("字节数")
    reason = models.CharField("销毁事由", max_length=512)
    media_disposal = models.ForeignKey(
        MediaDisposal, verbose_name="所属销毁", on_delete=models.PROTECT, related_name="blob_disposals"
    )
    disposed_at = models.DateTimeField("销毁时间", default=timezone.now)

    class Meta:
        verbose_name = "存储对象销毁记录"
        verbose_name_plural = "存储对象销毁记录"
        ordering = ["disposed_at", "pk"]

    def __str__(self) -> str:
        return f"disposed blob:{self.blob_id[:12]}"
