"""The station → district exchange workbook.

Sheet 申请: one application a row with every fact needed to recreate it (member, certificate
or competition facts, the Annex 2 fields, dates, station, clerk, status and its history, and
the decision stored at saving time). Sheet 清单 (manifest): station, period, row count, a
SHA-256 checksum of the rows' canonical content, program version, and the station's Ed25519
signature over all of it (`signing`).

`layout` holds the columns, the manifest and the checksum; `signing` the signature;
`writing` writes a workbook, `reading` reads and checks one. The names the services use are here.
"""

from desktop_app.exchange.batch.layout import (
    APPLICATIONS_SHEET,
    BY_HEADER,
    COLUMNS,
    FORMAT,
    INDEX,
    KEYS,
    LATER_KEYS,
    MANIFEST_ROWS,
    MANIFEST_SHEET,
    MAX_PROBLEMS,
    SIGNATURE_ROWS,
    Checksum,
    Column,
    Manifest,
    Progress,
    canonical,
    json_text,
    normal,
    plain_value,
    row_digest,
)
from desktop_app.exchange.batch.reading import (
    Batch,
    BatchReader,
    as_mapping,
    open_batch,
    read_batch,
)
from desktop_app.exchange.batch.signing import (
    Signer,
    fingerprint,
    public_key_of,
    same_fingerprint,
    verifies,
)
from desktop_app.exchange.batch.writing import write_batch

__all__ = [
    "APPLICATIONS_SHEET",
    "BY_HEADER",
    "COLUMNS",
    "FORMAT",
    "INDEX",
    "KEYS",
    "LATER_KEYS",
    "MANIFEST_ROWS",
    "MANIFEST_SHEET",
    "MAX_PROBLEMS",
    "SIGNATURE_ROWS",
    "Batch",
    "BatchReader",
    "Checksum",
    "Column",
    "Manifest",
    "Progress",
    "Signer",
    "as_mapping",
    "canonical",
    "fingerprint",
    "json_text",
    "normal",
    "open_batch",
    "plain_value",
    "public_key_of",
    "read_batch",
    "row_digest",
    "same_fingerprint",
    "verifies",
    "write_batch",
]
