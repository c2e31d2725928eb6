"""The program's log file in the data folder (`logs/union-counter.log`).

Personal numbers never reach the log: a filter masks anything shaped like a resident ID
number, a card number or a mobile number in every record, whatever the caller wrote
(DESIGN.md: personal data is never written to logs).
"""

from __future__ import annotations

import logging
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

from desktop_app.domain.validators import mask_card_number, mask_phone, mask_resident_id

LOG_NAME = "union-counter.log"
_ID = re.compile(r"(?<![0-9])([0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9A-Za-z])")
_CARD = re.compile(r"(?<![0-9])([0-9]{16,19})(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9]{9})(?![0-9])")


def scrub(text: str) -> str:
    """Mask resident ID, card and mobile numbers inside free text."""
    text = _ID.sub(lambda m: mask_resident_id(m.group(1)), text)
    text = _CARD.sub(lambda m: mask_card_number(m.group(1)), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(1)), text)


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = scrub(formatted)
            record.exc_info = None
        return True


def log_file(home: Path) -> Path:
    """The program's log file in the data folder `home`."""
    return home / "logs" / LOG_NAME


def setup_logging(home: Path, *, level: int = logging.INFO) -> Path:
    """Send the program's log records to the data folder's log (1 MB × 5 files kept)."""
    path = log_file(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger("desktop_app")
    for handler in list(root.handlers):
        if getattr(handler, "_union_counter", False):
            root.removeHandler(handler)
            handler.close()
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(ScrubFilter())
    handler._union_counter = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    return path
