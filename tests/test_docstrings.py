"""The services are the one entry point of the window and the command line: each public
function says what it does (issue 15)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def undocumented(folder: Path, root: Path) -> list[str]:
    """Public module-level functions under `folder` without a docstring."""
    missing = []
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if (
                isinstance(node, ast.FunctionDef)
                and not node.name.startswith("_")
                and ast.get_docstring(node) is None
            ):
                missing.append(f"{path.relative_to(root).as_posix()}:{node.lineno} {node.name}")
    return missing


def test_every_public_service_function_has_a_docstring() -> None:
    assert undocumented(ROOT / "desktop_app" / "services", ROOT) == []


def test_a_function_without_a_docstring_is_found(tmp_path: Path) -> None:
    (tmp_path / "module.py").write_text(
        'def documented() -> None:\n    """Yes."""\n\n\ndef bare() -> None:\n    pass\n'
        "\n\ndef _private() -> None:\n    pass\n",
        encoding="utf-8",
    )
    assert undocumented(tmp_path, tmp_path) == ["module.py:5 bare"]
