"""Every requirement id the code cites (``# STAFF-01``) exists in spec/requirements.yaml."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KNOWN = set(re.findall(r"^- id: ([A-Z]+-\d{2})$", (ROOT / "spec" / "requirements.yaml").read_text("utf-8"), re.M))
PREFIXES = sorted({known.split("-")[0] for known in KNOWN})
CITATION = re.compile(r"\b(" + "|".join(PREFIXES) + r")-(\d{2})\b")


def test_spec_has_all_198_requirements() -> None:
    assert len(KNOWN) == 198


def test_every_cited_requirement_id_exists() -> None:
    unknown: list[str] = []
    for path in sorted((ROOT / "quancheng").rglob("*.py")) + sorted((ROOT / "tests").rglob("*.py")):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            for match in CITATION.finditer(line):
                if match.group(0) not in KNOWN:
                    unknown.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)}")
    assert unknown == []
