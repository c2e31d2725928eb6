"""Excel workbooks in and out (no Qt, no SQL).

- `xlsx_reader` / `xlsx_writer`: the program's own streaming reader and writer of sheets
  (plain values, no cell objects; openpyxl only for its utilities). Every workbook handed in
  is read by `xlsx_reader`, with a size limit on every part it decompresses; every workbook
  written, by `xlsx_writer`;
- `files`: a Chinese answer for every file that is not a workbook, writing one atomically,
  and the problems of an import saved as a workbook;
- `ledger_book`: the 台账 export (applications sheet + 汇总), streamed;
- `batch`: the station → district exchange workbook (applications + manifest with checksum);
- `catalogue_book`: a subsidy catalogue workbook read and checked.

The services (`services/ledger_export.py`, `services/exchange.py`,
`services/catalogue_import.py`) feed these with plain values and store what they read.
"""
