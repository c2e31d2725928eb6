"""The 受理 form's unsaved input, kept in the data folder so it survives a crash.

Qt-free. One draft per counter: ``drafts/intake.json`` in the data folder, written atomically
(a temporary file in the same folder, flushed to disk, then ``os.replace``), so a crash leaves
the old draft or the new one, never half a file. The draft is removed once the application is
saved or the clerk starts the next member. It holds what was typed, personal numbers included,
like the database next to it; it is never logged.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from desktop_app.private_files import file_mode

log = logging.getLogger(__name__)

DRAFT_FOLDER = "drafts"
DRAFT_FILE = "intake.json"
SET_ASIDE_FOLDER = "discarded"
KEEP_SET_ASIDE = 5
FORMAT = 1


def draft_path(home: Path) -> Path:
    """Where the intake form's draft is kept in the data folder `home`."""
    return home / DRAFT_FOLDER / DRAFT_FILE


def save_draft(home: Path, form: Mapping[str, Any], *, now: datetime | None = None) -> Path:
    """Write the draft atomically; returns its path."""
    path = draft_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "saved_at": (now or datetime.now()).replace(microsecond=0).isoformat(),
        "form": dict(form),
    }
    text = json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True)
    handle, temp_name = tempfile.mkstemp(prefix=".intake-", suffix=".tmp", dir=path.parent)
    try:
        if os.name == "posix":
            os.fchmod(handle, file_mode())  # the PC's shared folder: the other clerks' too
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temp_name).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temp_name).unlink()
        raise
    return path


def load_draft(home: Path) -> dict[str, Any] | None:
    """The saved form, or None when there is none or it cannot be read (then it is set aside
    as ``intake.json.bad`` so it is not offered again, and not lost)."""
    path = draft_path(home)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("draft unreadable: %s", exc.strerror)
        return None
    try:
        payload = json.loads(text)
        form = payload["form"]
        if payload.get("format") != FORMAT or not isinstance(form, dict):
            raise ValueError("unknown draft format")
    except (ValueError, KeyError, TypeError):
        log.warning("draft damaged, set aside")
        with contextlib.suppress(OSError):
            path.replace(path.with_name(DRAFT_FILE + ".bad"))
        return None
    return {str(key): value for key, value in form.items()}


def draft_saved_at(home: Path) -> datetime | None:
    """When the draft in `home` was saved; None when there is none or it cannot be read."""
    try:
        payload = json.loads(draft_path(home).read_text(encoding="utf-8"))
        return datetime.fromisoformat(payload["saved_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def discard_draft(home: Path) -> None:
    """Remove the draft in `home` (nothing when there is none)."""
    with contextlib.suppress(FileNotFoundError):
        draft_path(home).unlink()


def set_aside_draft(home: Path, *, now: datetime | None = None) -> Path | None:
    """The clerk chose not to restore the draft: keep it as ``drafts/discarded/<time>.json``
    (the newest five are kept), so a wrong key loses nothing for good. Returns where it went."""
    path = draft_path(home)
    if not path.exists():
        return None
    folder = path.parent / SET_ASIDE_FOLDER
    folder.mkdir(exist_ok=True)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = folder / f"intake-{stamp}.json"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"intake-{stamp}-{n}.json"
    path.replace(target)
    for old in sorted(folder.glob("intake-*.json"))[:-KEEP_SET_ASIDE]:
        with contextlib.suppress(OSError):
            old.unlink()
    return target
