from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "quancheng.uploads"
    label = "uploads"
    verbose_name = "断点续传上传"
