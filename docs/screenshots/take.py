"""Take the README's screenshots of the window: `make screenshots` (runs this under Xvfb).

A throw-away data folder gets a station and a few dozen applications saved through the
services; the window is driven with key presses as a clerk would, and the whole 1366×768
screen is grabbed for 受理 (a filled form with its decision), the print preview of its receipt,
台账, the question before a status change, 目录, and 首次设置 on a new data folder.
Written to docs/screenshots/*.png.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = Path(__file__).resolve().parent

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂华建国红"
UNITS = (
    "北京市西城区某物业公司",
    "北京某电力工程有限公司",
    "北京某无人机科技公司",
    "北京某社区服务中心",
)
CHOICES = (
    ("skill_level", "无人机驾驶员", 4),
    ("skill_level", "家政服务员", 3),
    ("skill_level", "电工", 2),
    ("skill_level", "养老护理员", 5),
    ("special_ability", "家庭餐制作", None),
)


def _id(serial: int, born: date) -> str:
    from desktop_app.domain.validators import resident_id_check_char

    body = f"110102{born:%Y%m%d}{serial % 1000:03d}"
    return body + resident_id_check_char(body)


def fill(store: object, count: int = 40) -> None:
    from desktop_app.services.applications import save_application
    from desktop_app.services.status import change_status

    rng = random.Random(7)
    start = datetime(2026, 11, 2, 9, 0)
    for serial in range(1, count + 1):
        kind, occupation, level = CHOICES[serial % len(CHOICES)]
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        moment = start + timedelta(hours=serial * 9)
        certificate = {
            "kind": kind,
            "occupation": occupation,
            "number": f"S0000110105{serial:05d}",
            "issued_on": "2026-06-01",
            "issuer": "北京市某职业技能等级认定机构",
        }
        if level is not None:
            certificate["level"] = level
        data = {
            "scheme": "bj-2026-skills",
            "applied_on": moment.date().isoformat(),
            "member": {
                "name": name,
                "id_number": _id(serial, date(1970 + serial % 30, 1 + serial % 12, 1 + serial % 9)),
                "phone": f"138{serial:08d}",
                "work_unit": rng.choice(UNITS),
                "card_number": "6217000010001234569",
                "key_group": True,
            },
            "certificate": certificate,
        }
        saved = save_application(store, data, clerk="王柜员", now=moment)  # type: ignore[arg-type]
        if serial % 3 == 0:
            change_status(store, saved.receipt, "printed", actor="王柜员", now=moment)  # type: ignore[arg-type]


def main() -> int:
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QWidget

    from desktop_app.services.station_settings import save_station
    from desktop_app.ui.app import build_window, make_application
    from desktop_app.ui.context import AppContext

    home = Path(tempfile.mkdtemp(prefix="union-counter-shots-"))
    os.environ["UNION_COUNTER_HOME"] = str(home)
    _app = make_application()  # kept alive until the end
    ctx = AppContext(home, clerk="王柜员")
    store = ctx.open_store_now()
    station = "西城区展览路街道工会服务站"
    save_station(store, code="XC01", name=station, district="西城区", actor="王柜员")
    ctx.station_saved()
    fill(store)
    window = build_window(ctx)
    window.move(0, 0)
    window.resize(1366, 768)
    window.show()
    window.activateWindow()

    def settle(rounds: int = 40) -> None:
        for _ in range(rounds):
            QCoreApplication.processEvents()
            QTest.qWait(10)

    def focused() -> QWidget:
        widget = QApplication.focusWidget()
        assert widget is not None
        return widget

    def type_text(text: str) -> None:
        widget = focused()
        if text.isascii():
            QTest.keyClicks(widget, text)
        else:
            event = QInputMethodEvent()
            event.setCommitString(text)
            QApplication.sendEvent(widget, event)

    def tab() -> None:
        QTest.keyClick(focused(), Qt.Key.Key_Tab)

    def shot(name: str) -> None:
        settle()
        screen = window.screen()
        screen.grabWindow(0).save(str(OUT / f"{name}.png"))
        print(f"wrote {OUT / name}.png")

    settle()
    window.show_section("intake")
    settle()
    type_text("wrj")
    settle(10)
    QTest.keyClick(focused(), Qt.Key.Key_Return)
    for value in ("赵敏", _id(501, date(1988, 5, 17)), "6217000010001234569", "13912345678",
                  "北京某无人机科技有限公司", "飞手"):  # fmt: skip
        type_text(value)
        tab()
    QTest.keyClick(focused(), Qt.Key.Key_4)
    tab()
    for value in ("S000011010500501", "2026-05-20", "北京市某职业技能等级认定机构"):
        type_text(value)
        tab()
    QTest.keyClick(focused(), Qt.Key.Key_Y)
    shot("intake")

    # Save, then the print preview of the receipt (the dialog covers the window).
    window.intake.save()
    settle()
    window.intake.print_saved()
    settle(60)
    preview = window.intake.preview
    if preview is not None:
        preview.setGeometry(window.geometry())
        settle(30)
        shot("print-preview")
        preview.close()
        window.activateWindow()
        settle()

    window.show_section("ledger")
    shot("ledger")

    # A status change is confirmed: the question over the application's detail.
    from PySide6.QtCore import QTimer

    printed = next(r for r in _receipts(store) if r[1] == "printed")[0]
    detail = window.ledger.open_receipt(printed)
    if detail is not None:
        detail.setGeometry(window.geometry().adjusted(120, 60, -120, -40))
        settle()
        detail.target.setCurrentIndex(detail.target.findText("已报送"))

        def grab_and_cancel() -> None:
            shot("status-confirm")
            box = QApplication.activeModalWidget()
            if box is not None and box is not detail:
                box.close()

        QTimer.singleShot(600, grab_and_cancel)
        detail.apply_button.click()
        detail.close()
        settle()

    window.show_section("catalogue")
    window.activateWindow()
    settle()
    if QApplication.focusWidget() is None:
        window.catalogue.section_shown()
        settle()
    type_text("dg")
    shot("catalogue")
    window.close()
    window.deleteLater()
    settle(5)
    ctx.close()

    # 首次设置 on a new data folder: the window and the dialog, with a wrong station code said.
    fresh = Path(tempfile.mkdtemp(prefix="union-counter-first-"))
    os.environ["UNION_COUNTER_HOME"] = str(fresh)
    os.environ.pop("UNION_COUNTER_CLERK", None)
    first_ctx = AppContext(fresh)
    first_ctx.open_store_now()
    first = build_window(first_ctx)
    first.move(0, 0)
    first.resize(1366, 768)
    first.show()
    settle()
    setup = first.open_setup()
    if setup is not None:
        settle()
        type_text("xc 1")
        setup.finish()
        settle()
        window = first  # shot() grabs the screen of `window`
        shot("first-run")
        setup.close()
    first.close()
    settle(5)
    first_ctx.close()
    return 0


def _receipts(store: object) -> list[tuple[str, str]]:
    from desktop_app.domain.ledger_filter import LedgerFilter
    from desktop_app.services.ledger_view import ledger

    return [(r.receipt, r.status) for r in ledger(store, LedgerFilter(), limit=50)]  # type: ignore[arg-type]


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # PySide6 can abort while garbage-collecting its objects at interpreter exit after a
    # scripted session like this one (none_dealloc); everything is written: leave at once.
    os._exit(code)
