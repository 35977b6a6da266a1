"""Read-only admin views: uploads and device tokens change only through services (ledgered)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import DeviceToken, Upload


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Upload)
class UploadAdmin(_ReadOnly):
    list_display = ("id", "original_name", "status", "offset", "length", "agency", "case", "created_at", "expires_at")
    list_filter = ("status", "kind")
    search_fields = ("id", "original_name", "sha256")
    date_hierarchy = "created_at"


@admin.register(DeviceToken)
class DeviceTokenAdmin(_ReadOnly):
    list_display = ("prefix", "device", "name", "created_at", "last_used_at", "revoked_at")
    search_fields = ("prefix", "device__serial")
    exclude = ("token_hash",)
