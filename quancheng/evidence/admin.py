"""Back office views of the device registry, equipment checks, custody log and retention records: read only.

Every change goes through ``evidence.services`` so it lands in the ledger. Media objects themselves are not listed
here on purpose: every read of a media object is a custody event (ACCESS-05/06) logged by the API, which the
admin would bypass.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from quancheng.accounts.admin import AgencyScopedMixin
from quancheng.cases.admin import ReadOnlyAdminMixin

from .models import (
    BlobDisposal,
    Device,
    DeviceCheck,
    DeviceCheckout,
    DeviceManifest,
    LegalHold,
    MediaAccess,
    MediaDisposal,
)


@admin.register(Device)
class DeviceAdmin(AgencyScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    agency_field = "agency"
    list_display = ("serial", "model", "device_type", "status", "agency")
    list_filter = ("device_type", "status", "agency")
    search_fields = ("serial", "model")


@admin.register(DeviceCheck)
class DeviceCheckAdmin(AgencyScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    agency_field = "device__agency"
    list_display = (
        "serial",
        "kind",
        "checked_at",
        "checked_by",
        "battery_ok",
        "storage_ok",
        "clock_ok",
        "condition_ok",
    )
    list_filter = ("kind",)
    search_fields = ("serial",)


@admin.register(DeviceCheckout)
class DeviceCheckoutAdmin(AgencyScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    agency_field = "device__agency"
    list_display = ("device", "holder", "checked_out_at", "returned_at", "purpose")
    search_fields = ("device__serial",)
    list_select_related = ("device", "holder")


@admin.register(DeviceManifest)
class DeviceManifestAdmin(AgencyScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    agency_field = "device__agency"
    list_display = ("device", "day", "submitted_at", "submitted_by", "submitted_by_device")
    list_filter = ("day",)


@admin.register(MediaAccess)
class MediaAccessAdmin(AgencyScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    agency_field = "media__agency"
    list_display = ("media", "user", "action", "purpose", "recipient", "byte_range", "at")
    list_filter = ("action", "purpose")
    list_select_related = ("media", "user")


@admin.register(LegalHold)
class LegalHoldAdmin(AgencyScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    agency_field = "media__agency"
    list_display = ("media", "reason", "placed_by", "placed_at", "released_at")


@admin.register(MediaDisposal)
class MediaDisposalAdmin(AgencyScopedMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    agency_field = "media__agency"
    list_display = ("media", "retention_class", "retained_until", "disposed_at", "reason")


@admin.register(BlobDisposal)
class BlobDisposalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("blob", "size", "disposed_at", "reason")

    def get_queryset(self, request: HttpRequest) -> QuerySet[BlobDisposal]:
        # Bytes are shared across agencies by content: only superusers see the whole disposal list.
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.none()
