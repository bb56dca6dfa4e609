"""The area leaves the transaction to the unit of work (nrhub.transactions): no use case,
step or helper of consolidation and deliveries commits or rolls back."""

from __future__ import annotations

import re
from pathlib import Path

AREA = Path(__file__).resolve().parents[2] / "nrhub" / "consolidation"


def test_no_commit_or_rollback_in_the_consolidation_area():
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(AREA.glob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\b(commit|rollback)\(", line)
    ]
    assert found == []
