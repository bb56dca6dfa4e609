"""One transaction boundary: only nrhub/transactions.py commits or rolls back."""

from __future__ import annotations

import re
from pathlib import Path

import nrhub

PACKAGE = Path(nrhub.__file__).parent
ENDING_A_TRANSACTION = re.compile(r"\.(commit|rollback)\(")


def _offenders(package: Path) -> list[str]:
    boundary = package / "transactions.py"
    found = []
    for path in sorted(package.rglob("*.py")):
        if path == boundary:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ENDING_A_TRANSACTION.search(line.split("#", 1)[0]):
                found.append(f"{path.relative_to(package)}:{number}: {line.strip()}")
    return found


def test_only_the_unit_of_work_commits_or_rolls_back():
    assert _offenders(PACKAGE) == []


def test_the_search_reports_a_module_that_commits(tmp_path: Path):
    (tmp_path / "transactions.py").write_text("session.commit()\n", encoding="utf-8")
    (tmp_path / "area").mkdir()
    (tmp_path / "area" / "services.py").write_text(
        "def save(session):\n    session.flush()  # not .commit()\n    db.session.rollback()\n",
        encoding="utf-8",
    )
    assert _offenders(tmp_path) == ["area/services.py:3: db.session.rollback()"]
