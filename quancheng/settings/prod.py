"""Production settings: every secret and address comes from the environment, and missing ones stop start-up."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY

if not SECRET_KEY:
    raise ImproperlyConfigured("QUANCHENG_SECRET_KEY must be set in production")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
