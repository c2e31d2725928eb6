"""Use cases: the station → district exchange (服务站 → 区总工会): `batch_export`, `batch_import`.

`export_batch` writes the station's applications of a period to an exchange workbook
(`exchange.batch`: every fact, the stored decision, the status history, and a manifest with a
checksum, signed with the station's key: `signing_key`). `import_batch` reads one such
workbook and, all or nothing:

1. checks the manifest's signature against the station's registered key (`verification`,
   `key_registry`), the file, its manifest and checksum (`exchange.batch.open_batch`), and
   every row (ID number, scheme, kind, status, occupation code, history);
2. decides every application again under the policy version its row names (matched by the
   policy file's SHA-256); a row whose stored decision differs is held (导入待核,
   `held_rows`), not stored as the station's; a row whose policy version is not loaded here
   is decided under the scheme's current version and flagged;
3. finds receipts already in the database: the same content is "already imported" (skipped),
   different content a conflict (the file is refused);
4. inserts the rest (`storage.bulk.insert_applications`, one transaction for the file, one
   audit event); claims already taken (e.g. by another station) are reported as duplicates
   and not inserted.

The file is read once, row by row (`exchange.xlsx_reader`), and the rows go to the database
in chunks inside the file's one write transaction, so memory stays flat however long the
file is (a 200,000-row file peaks under 500 MB, SQLite's bulk page cache included). A problem
found anywhere (a row, the manifest at the end, a conflict) stops the inserting and rolls the
transaction back. Nothing is written when the file is refused or the import is cancelled.

The exports read plain rows page by page (`ledger_query.ledger_page_rows`), not ORM objects.
"""

from desktop_app.services.exchange.batch_export import (
    BatchExport,
    application_row,
    batch_rows,
    export_batch,
)
from desktop_app.services.exchange.batch_import import ImportReport, all_problems, import_batch

__all__ = [
    "BatchExport",
    "ImportReport",
    "all_problems",
    "application_row",
    "batch_rows",
    "export_batch",
    "import_batch",
]
