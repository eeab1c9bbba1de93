"""Bank files in, ledger rows out: pure readers and row logic, no database.

Parsers (``fincast.ingest.<format>``) turn CSV, OFX/QFX, QIF, CAMT.053 and MT940 files into
:class:`ParsedTransaction` rows; :func:`parse_stream` picks the parser of a format;
:class:`RowBuilder` turns parsed rows into :data:`TransactionRow` rows of the ledger
(rounded, normalised, categorised, fingerprinted). Writing them is the ledger's job and the
import use case is :func:`fincast.services.imports.import_file`. Mint-style household
exports are read by :mod:`fincast.ingest.mint` (not imported here: it needs pandas).
"""

from fincast.ingest.builder import RowBuilder
from fincast.ingest.categorize import Categorizer, keyword_slug
from fincast.ingest.detect import detect_format, detect_stream_format
from fincast.ingest.fingerprint import content_fingerprint, external_fingerprint, normalize_payee
from fincast.ingest.formats import FORMATS, canonical_format, parse_stream
from fincast.ingest.mapping import PRESETS, CsvMapping, load_mapping
from fincast.ingest.rows import (
    TRANSACTION_COLUMNS,
    ParseContext,
    ParsedTransaction,
    ParseReport,
    TransactionRow,
)
from fincast.ingest.spool import Spooled, spool
from fincast.ingest.transfers import PairRow, find_transfer_pairs

__all__ = [
    "FORMATS",
    "PRESETS",
    "TRANSACTION_COLUMNS",
    "Categorizer",
    "CsvMapping",
    "PairRow",
    "ParseContext",
    "ParseReport",
    "ParsedTransaction",
    "RowBuilder",
    "Spooled",
    "TransactionRow",
    "canonical_format",
    "content_fingerprint",
    "detect_format",
    "detect_stream_format",
    "external_fingerprint",
    "find_transfer_pairs",
    "keyword_slug",
    "load_mapping",
    "normalize_payee",
    "parse_stream",
    "spool",
]
