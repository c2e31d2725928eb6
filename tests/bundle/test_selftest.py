"""`union-counter --self-test`: in the checkout (real subprocess, fast) and in the frozen bundle
(slow: builds it with PyInstaller when that is installed)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.services.selftest import STEPS

ROOT = Path(__file__).resolve().parents[2]
STEP_IDS = [step_id for step_id, _title, _action in STEPS]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("UNION_COUNTER_POLICIES", None)
    # The user's data folder and database: the self-test must not touch either.
    env["UNION_COUNTER_HOME"] = str(tmp_path / "user-home")
    env["UNION_COUNTER_DB"] = str(tmp_path / "user-db.sqlite3")
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["TMPDIR"] = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env.update(extra)
    return env


def _run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, encoding="utf-8", timeout=180
    )


def _step_line(stdout: str, step_id: str) -> str:
    lines = [line for line in stdout.splitlines() if f" {step_id}（" in line]
    assert len(lines) == 1, f"step {step_id} not reported once:\n{stdout}"
    return lines[0]


def _assert_passed(result: subprocess.CompletedProcess[str], tmp_path: Path) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    for step_id in STEP_IDS:
        line = _step_line(result.stdout, step_id)
        assert line.startswith("[ OK ]"), line
    assert "ZJ01-20261121-0001 1800 元" in result.stdout
    assert "ZJ01-20261121-0002 2000 元" in result.stdout
    assert "ZJ01-20261121-0003 1000 元" in result.stdout
    assert "receipts.pdf 3 页" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("自检通过：")
    # nothing written to the user's data folder or database, and the temporary folder is gone
    assert not (tmp_path / "user-home").exists()
    assert not (tmp_path / "user-db.sqlite3").exists()
    assert list((tmp_path / "tmp").iterdir()) == []


def test_self_test_passes_in_the_checkout(tmp_path: Path) -> None:
    result = _run([sys.executable, "-m", "desktop_app", "--self-test"], _env(tmp_path), ROOT)
    _assert_passed(result, tmp_path)
    assert str(ROOT / "resources") in _step_line(result.stdout, "data_folders")
    export = _step_line(result.stdout, "ledger_export")
    assert export.startswith("[ OK ]") and "合计 4800 元" in export


def test_self_test_needs_no_qt(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from desktop_app.services.selftest import main\n"
        "code = main()\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt was imported'\n"
        "sys.exit(code)\n"
    )
    env = _env(tmp_path)
    env.pop("QT_QPA_PLATFORM")
    env.pop("DISPLAY", None)
    result = _run([sys.executable, "-c", code], env, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_self_test_names_the_failed_step_and_exits_1(tmp_path: Path) -> None:
    empty = tmp_path / "no-policies"
    empty.mkdir()
    env = _env(tmp_path, UNION_COUNTER_POLICIES=str(empty))
    result = _run([sys.executable, "-m", "desktop_app", "--self-test"], env, ROOT)
    assert result.returncode == 1, result.stdout + result.stderr
    assert _step_line(result.stdout, "data_folders").startswith("[ OK ]")
    failed = _step_line(result.stdout, "policies")
    assert failed.startswith("[FAIL]") and "缺少方案" in failed and str(empty) in failed
    for later in STEP_IDS[STEP_IDS.index("policies") + 1 :]:
        assert "未执行" in _step_line(result.stdout, later)
    assert result.stdout.rstrip().splitlines()[-1].startswith("自检失败：policies（政策文件）")
    assert "Traceback" not in result.stdout + result.stderr


def test_self_test_goes_before_any_subcommand(tmp_path: Path) -> None:
    result = _run(
        [sys.executable, "-m", "desktop_app", "--self-test", "catalogue", "search", "wrj"],
        _env(tmp_path),
        ROOT,
    )
    _assert_passed(result, tmp_path)


@pytest.mark.slow
def test_the_bundle_builds_and_passes_its_self_test(tmp_path: Path) -> None:
    """Builds build_spec/union_counter.spec (about 30–50 s) unless UNION_COUNTER_BUNDLE names a
    bundle already built (check_bundle.sh sets it), then runs its self-test from elsewhere."""
    prebuilt = os.environ.get("UNION_COUNTER_BUNDLE")
    if prebuilt:
        folder = Path(prebuilt)
    else:
        if importlib.util.find_spec("PyInstaller") is None:
            pytest.skip("PyInstaller is not installed (pip install pyinstaller, or the dev extra)")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "PyInstaller",
                "--noconfirm",
                "--log-level",
                "WARN",
                "--distpath",
                str(tmp_path / "dist"),
                "--workpath",
                str(tmp_path / "build"),
                str(ROOT / "build_spec" / "union_counter.spec"),
            ],
            check=True,
            cwd=ROOT,
            timeout=900,
        )
        folder = tmp_path / "dist" / "union-counter"
    exe = folder / ("union-counter-cli.exe" if sys.platform == "win32" else "union-counter")
    assert exe.is_file(), f"no executable at {exe}"
    for name in ("resources", "db", "forms"):
        assert (folder / "_internal" / name).is_dir(), f"{name}/ missing from the bundle"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _env(tmp_path)
    for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
        env.pop(name, None)
    result = _run([str(exe), "--self-test"], env, elsewhere)
    _assert_passed(result, tmp_path)
    assert "bundle;" in _step_line(result.stdout, "data_folders")
    # Qt's own dialogs in Chinese: of Qt's catalogues only qtbase_zh_CN.qm, found and loaded
    # by the window (its start-up line gives the Cancel button's text).
    catalogues = sorted(path.name for path in folder.rglob("*.qm"))
    assert catalogues == ["qtbase_extra_zh_CN.qm", "qtbase_zh_CN.qm"], catalogues
    start_env = dict(env, UNION_COUNTER_EXIT_WHEN_READY="1")
    start_env["UNION_COUNTER_HOME"] = str(tmp_path / "start-home")
    start_env.pop("UNION_COUNTER_DB")
    start = _run([str(exe)], start_env, elsewhere)
    assert start.returncode == 0 and " qt=取消" in start.stdout, start.stdout + start.stderr
    if not prebuilt:
        shutil.rmtree(tmp_path / "build", ignore_errors=True)
