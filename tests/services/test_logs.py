"""The log file never holds personal numbers in clear."""

from __future__ import annotations

import logging

from desktop_app.domain.validators import mask_resident_id
from desktop_app.services.logs import scrub, setup_logging
from tests.storage.conftest import make_id


def test_scrub_masks_ids_cards_and_mobiles():
    text = f"id {make_id(3)} card 6217000010001234569 tel 13800138000 receipt XC01-20261121-0007"
    clean = scrub(text)
    assert make_id(3) not in clean and "6217000010001234569" not in clean
    assert "13800138000" not in clean
    assert mask_resident_id(make_id(3)) in clean and "***************4569" in clean
    assert "138****8000" in clean
    assert "XC01-20261121-0007" in clean  # receipt numbers stay readable


def test_log_records_and_tracebacks_are_scrubbed(tmp_path):
    path = setup_logging(tmp_path)
    log = logging.getLogger("desktop_app.test")
    log.warning("saving %s failed", make_id(5))
    try:
        raise ValueError(f"bad card 6217000010001234569 for {make_id(5)}")
    except ValueError:
        log.exception("unexpected")
    for handler in logging.getLogger("desktop_app").handlers:
        handler.flush()
    written = path.read_text(encoding="utf-8")
    assert "saving 110105********" in written
    assert "ValueError" in written and "Traceback" in written
    assert make_id(5) not in written and "6217000010001234569" not in written
