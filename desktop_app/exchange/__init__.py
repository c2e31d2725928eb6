"""Excel workbooks in and out (openpyxl only: no Qt, no SQL).

- `files`: opening a workbook a clerk hands in (with a Chinese answer for every file that is
  not one), writing one atomically, listing row problems and saving them as a workbook;
- `ledger_book`: the 台账 export (applications sheet + 汇总), streamed;
- `batch`: the station → district exchange workbook (applications + manifest with checksum);
- `xlsx_reader` / `xlsx_writer`: a small streaming reader and writer of sheets (plain values,
  no cell objects) that the exchange and the ledger export use for speed at 100,000 rows.

The services (`services/ledger_export.py`, `services/exchange/`) feed these with plain
values and store what they read.
"""
