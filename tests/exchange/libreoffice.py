"""Finding LibreOffice Calc for the tests that open workbooks in it."""

from __future__ import annotations

import os
import shutil

import pytest


def libreoffice() -> str:
    """The LibreOffice program; the test is skipped (failed in CI) when it is not installed."""
    found = shutil.which("libreoffice") or shutil.which("soffice")
    if found is None:
        reason = "LibreOffice 未安装（Debian 软件包 libreoffice-calc-nogui，make test 会安装）"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + "；CI 中不允许跳过")
        pytest.skip(reason)
    return found
