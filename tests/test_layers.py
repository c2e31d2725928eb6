"""The layers of DESIGN.md hold (import-linter's contracts in pyproject.toml), and a planted
violation of each kind is caught — so the contracts can fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed")


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_the_project_keeps_every_contract() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("domain/text.py", "import PySide6", "Qt only in the window"),
        ("services/quote.py", "import sqlalchemy", "SQL only in storage"),
        ("ui/questions.py", "import desktop_app.storage.repository", "use services, not storage"),
        ("storage/types.py", "import desktop_app.services.quote", "over domain"),  # layers
        ("domain/claims.py", "import openpyxl", "The domain is pure"),
    ],
)
def test_a_planted_violation_breaks_its_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT / "desktop_app",
        copy / "desktop_app",
        ignore=shutil.ignore_patterns("_data", "__pycache__"),
    )
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    target = copy / "desktop_app" / module
    text = target.read_text(encoding="utf-8")
    target.write_text(
        text.replace(
            "from __future__ import annotations\n",
            f"from __future__ import annotations\n\n{line}\n",
            1,
        ),
        encoding="utf-8",
    )
    result = lint(copy)
    assert result.returncode != 0
    broken = [row for row in result.stdout.splitlines() if row.endswith("BROKEN")]
    assert broken and any(contract in row for row in broken), result.stdout
