"""Bank-file import: CSV, OFX/QFX, QIF, CAMT.053 and MT940 into the ledger.

Parsers (``fincast.ingest.<format>``) are pure functions producing
:class:`ParsedTransaction` rows; :func:`import_file` writes one file to one account atomically
and idempotently, categorising as it goes; :func:`apply_rules` re-runs categorisation.
"""

from fincast.ingest.categorize import apply_rules
from fincast.ingest.detect import detect_format
from fincast.ingest.mapping import PRESETS, CsvMapping, load_mapping
from fincast.ingest.rows import FORMATS, ParsedTransaction
from fincast.ingest.service import ImportResult, import_file, parse_stream

__all__ = [
    "FORMATS",
    "PRESETS",
    "CsvMapping",
    "ImportResult",
    "ParsedTransaction",
    "apply_rules",
    "detect_format",
    "import_file",
    "load_mapping",
    "parse_stream",
]
