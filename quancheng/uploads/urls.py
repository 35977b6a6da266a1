"""Mounted at ``api/v1/uploads/`` (before the ninja API): the tus collection and its upload resources."""

from django.urls import path

from . import views

app_name = "uploads"

urlpatterns = [
    path("", views.collection, name="collection"),
    path("<uuid:upload_id>", views.resource, name="resource"),
]
