"""Printing benchmark: one form warm (target ≤ 50 ms), one form in a fresh process including
font loading (≤ 400 ms), 100 forms into one PDF (≤ 3 s).

    .venv/bin/python bench/print_bench.py

Draws Annex 2 with a full set of values (rare characters and a 40-character work unit, so all
three printing fonts are loaded and embedded); no database (the service adds one read and two
small writes per form).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import yardstick  # noqa: E402

VALUES = {
    "member.name": "李𠮷䶮",
    "member.id_number": "110105198001010016",
    "member.card_number": "6217000010001234569",
    "member.phone": "13800138000",
    "member.work_unit": "北京市西城区某某街道某某社区某某物业管理有限责任公司"
    "第三十分公司工会委员会办公室",
    "member.position": "专职工会社会工作者",
    "certificate.grade": "社会工作师（中级）",
    "certificate.number": "2016110000123",
    "certificate.approved_on": "2016年6月1日",
    "certificate.issuer": "北京市人力资源和社会保障局",
    "certificate.issued_on": "2016年6月15日",
    "certificate.management_number": "GL2016-0001",
    "print.mark": "补打（第2次）2026年11月21日",
}

FRESH = """
import time
t0 = time.perf_counter()
import sys
sys.path.insert(0, {root!r})
from bench.print_bench import VALUES
from desktop_app.printing import get_form, render
pdf = render([(get_form("annex2"), VALUES)]).pdf
assert pdf.startswith(b"%PDF")
print(time.perf_counter() - t0)
"""


def main() -> int:
    from desktop_app.printing import get_form, render

    spec = get_form("annex2")
    render([(spec, VALUES)])  # warm: fonts registered, form read
    times = []
    for _ in range(20):
        start = time.perf_counter()
        render([(spec, VALUES)])
        times.append(time.perf_counter() - start)
    warm = statistics.median(times)

    fresh_times = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", FRESH.format(root=str(ROOT))],
            capture_output=True,
            text=True,
            check=True,
        )
        fresh_times.append(float(out.stdout.strip()))
    fresh = min(fresh_times)

    start = time.perf_counter()
    pdf = render([(spec, VALUES)] * 100).pdf
    batch = time.perf_counter() - start

    rows = [
        ("one form, warm (median of 20)", warm, 0.050),
        ("one form, fresh process incl. imports and fonts (best of 3)", fresh, 0.400),
        (f"100 forms into one PDF ({len(pdf) / 1024:.0f} KiB)", batch, 3.0),
    ]
    failed = False
    for name, seconds, target in rows:
        ok = seconds <= target
        failed |= not ok
        verdict = "ok" if ok else "SLOW"
        print(
            f"{name}: {seconds * 1000:.0f} ms (target ≤ {target * 1000:.0f} ms) {verdict} "
            f"({yardstick.current().times(seconds * 1000, 'python')})"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
