"""The rules themselves, grouped by what they look at. Importing this package registers them all."""

from . import av, deadlines, discretion, lifecycle, records, sealing, staffing  # noqa: F401
