"""The requirement catalogue (``spec/requirements.yaml``): ids, titles and the seed's own words."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "requirements.yaml"


@cache
def requirements() -> dict[str, dict[str, Any]]:
    with open(SPEC_PATH, encoding="utf-8") as handle:
        return {item["id"]: item for item in yaml.safe_load(handle)}


def quote(requirement_id: str) -> str:
    return str(requirements()[requirement_id]["quote"])
