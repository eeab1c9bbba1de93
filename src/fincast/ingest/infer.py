"""CSV layouts without a preset: column roles from headers (seven languages) and from content.

:func:`infer_layout` looks at one candidate header row and the rows under it and either
returns a :class:`Layout` (a :class:`CsvMapping` with a confidence per role and notes) or
``None`` when the row is no header. A layout with ``ambiguities`` is not sure: the reader
refuses the file with those exact reasons instead of guessing.

Header words are matched after lower-casing, removing accents and punctuation, so
``Débit``, ``debit`` and ``DEBIT (CHF)`` are the same word. Content decides what headers
cannot: a column that reads as a date in every row, amounts (``- $220.00``, ``11'373.94``,
``1.234,56``), a debit/credit pair (exactly one of the two filled in each row), a running
balance that checks the amounts, and whether an Italian/German ``Valuta`` is a currency or a
value date.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from fincast.ingest.mapping import CsvMapping
from fincast.ingest.values import _COMPACT_DATE, _NAMED_FORMATS, _NUMERIC_DATE, _split_amount

SURE = 0.75
"""The lowest confidence of a role the importer acts on without asking."""

_WORDS: dict[str, tuple[str, ...]] = {
    "date": (
        "date",
        "datum",
        "fecha",
        "data",
        "datetime",
        "date time",
        "booking date",
        "posting date",
        "posted date",
        "transaction date",
        "transaction_date",
        "completed date",
        "buchungstag",
        "buchungsdatum",
        "date operation",
        "date d operation",
        "date de l operation",
        "date de comptabilisation",
        "date comptable",
        "fecha operacion",
        "fecha de operacion",
        "fecha contable",
        "f operacion",
        "data operazione",
        "data contabile",
        "data registrazione",
        "data movimento",
        "data lancamento",
        "data de lancamento",
        "data do movimento",
        "data mov",
        "data transacao",
        "boekdatum",
        "transactiedatum",
        "datum transactie",
        "boekingsdatum",
    ),
    "value_date": (
        "value date",
        "valuta",
        "valutadatum",
        "wertstellung",
        "wertstellungsdatum",
        "date de valeur",
        "date valeur",
        "fecha valor",
        "f valor",
        "data valuta",
        "data valor",
        "data de valor",
        "rentedatum",
    ),
    "amount": (
        "amount total",
        "amount",
        "betrag",
        "bedrag",
        "importe",
        "montant",
        "importo",
        "valor",
        "montante",
        "transaction amount",
        "value",
        "umsatz",
        "betrag eur",
    ),
    "gross": ("gross", "brutto", "bruto", "brut", "montant brut", "lordo", "importo lordo"),
    "net": ("net", "netto", "neto", "montant net", "importo netto", "liquido", "net amount"),
    "fee": (
        "fee",
        "fees",
        "amount fee",
        "gebuhr",
        "gebuhren",
        "frais",
        "comision",
        "comisiones",
        "commissione",
        "commissioni",
        "tarifa",
        "taxa",
        "kosten",
    ),
    "debit": (
        "debit",
        "debits",
        "debit amount",
        "montant debit",
        "withdrawal",
        "withdrawals",
        "money out",
        "paid out",
        "outflow",
        "soll",
        "belastung",
        "lastschrift",
        "ausgang",
        "debito",
        "cargo",
        "cargos",
        "af",
        "afschrijving",
        "uscite",
        "addebiti",
        "addebito",
        "dare",
        "saida",
        "saidas",
    ),
    "credit": (
        "credit",
        "credits",
        "credit amount",
        "montant credit",
        "deposit",
        "deposits",
        "money in",
        "paid in",
        "inflow",
        "haben",
        "gutschrift",
        "eingang",
        "credito",
        "abono",
        "abonos",
        "bij",
        "bijschrijving",
        "entrate",
        "accrediti",
        "accredito",
        "avere",
        "entrada",
        "entradas",
    ),
    "direction": ("af bij", "debit credit", "soll haben", "cr dr", "dr cr"),
    "payee": (
        "payee",
        "name",
        "merchant",
        "merchant name",
        "partner name",
        "counterparty",
        "counter party",
        "beneficiary",
        "payee name",
        "auftraggeber empfanger",
        "empfanger",
        "zahlungsempfanger",
        "begunstigter zahlungspflichtiger",
        "name zahlungsbeteiligter",
        "naam",
        "naam omschrijving",
        "tegenpartij",
        "nom",
        "beneficiaire",
        "tiers",
        "beneficiario",
        "ordenante",
        "destinatario",
        "nome",
        "controparte",
        "favorecido",
    ),
    "payee_from": ("from", "von", "van"),
    "payee_to": ("to", "naar", "para"),
    "description": (
        "memo",
        "description",
        "description 1",
        "description 2",
        "description 3",
        "desc",
        "reason",
        "note",
        "notes",
        "details",
        "detail",
        "reference",
        "payment reference",
        "purpose",
        "subject",
        "item title",
        "verwendungszweck",
        "buchungstext",
        "mitteilung",
        "libelle",
        "libelle operation",
        "communication",
        "informations complementaires",
        "concepto",
        "descripcion",
        "referencia",
        "omschrijving",
        "mededelingen",
        "descrizione",
        "causale",
        "riferimento",
        "descricao",
        "historico",
    ),
    "currency": (
        "currency",
        "currency code",
        "ccy",
        "wahrung",
        "devise",
        "monnaie",
        "moneda",
        "divisa",
        "munt",
        "moeda",
        "valuta",
    ),
    "balance": (
        "balance",
        "running balance",
        "balance after",
        "saldo",
        "solde",
        "kontostand",
        "saldo contable",
        "saldo contabile",
        "saldo disponibile",
        "saldo na",
        "saldo apos",
        "saldo apos movimento",
        "saldo na mutatie",
    ),
    "status": ("status", "statut", "estado", "stato", "situacao", "transaction status"),
    "type": ("type", "typ", "tipo", "transaction type", "umsatzart", "buchungsart", "mutatiesoort"),
    "external_id": ("transaction id", "transaction_id", "fitid", "transaktions id", "id"),
    "account": ("account name", "account", "konto", "compte", "cuenta", "conto", "rekening"),
}
#: Roles a word list may name, most specific first (``valuta`` is tried as a currency only
#: when the column holds currency codes).
_ORDER = tuple(_WORDS)
_LOOKUP: dict[str, str] = {}
for _role in _ORDER:
    for _word in _WORDS[_role]:
        _LOOKUP.setdefault(_word, _role)
_BOOKING_WORDS = ("buchung", "booking", "posting", "posted", "operation", "comptab", "contab")
_ISO_CODE = re.compile(r"[A-Z]{3}")
_PAREN_CODE = re.compile(r"^(.*?)\s*[(\[]?\b([A-Z]{3})\b[)\]]?\s*$")
_GROUPING = str.maketrans("", "", " \u00a0\u202f'")
_MONEY_ROLES = ("amount", "gross", "net", "fee", "debit", "credit", "balance")


def normalize_header(text: str) -> str:
    """Lower case, no accents, punctuation as single spaces: ``Débit (CHF)`` -> ``debit chf``."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lstrip("\ufeff"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", " ", plain).strip()


def header_role(text: str) -> tuple[str | None, float]:
    """The role a header names and how sure that is (1.0 exact word, 0.9 word + currency)."""
    word = normalize_header(text)
    if word in _LOOKUP:
        return _LOOKUP[word], 1.0
    m = _PAREN_CODE.match(text.strip())
    if m and m.group(1):
        base = normalize_header(m.group(1))
        if _LOOKUP.get(base) in _MONEY_ROLES:
            return _LOOKUP[base], 0.9  # "Amount (EUR)", "Débit CHF"
    return None, 0.0


_CURRENCY_LABELS = frozenset(
    {"currency", "wahrung", "devise", "monnaie", "moneda", "divisa", "valuta", "munt", "moeda"}
)


def stated_currency(preamble: Sequence[Sequence[str]], headers: Sequence[str]) -> str | None:
    """The currency a file states outside its rows, if any.

    A label above the header (``Monnaie:;CHF``) or a money header (``Amount (EUR)``,
    ``Débit CHF``).
    """
    for row in preamble:
        cells = [c.strip() for c in row if c.strip()]
        for label, value in itertools.pairwise(cells):
            if normalize_header(label) in _CURRENCY_LABELS and _ISO_CODE.fullmatch(value):
                return value
    for header in headers:
        m = _PAREN_CODE.match(header.strip())
        if m and m.group(1) and _LOOKUP.get(normalize_header(m.group(1))) in _MONEY_ROLES:
            return m.group(2)
    return None


def _is_date(value: str) -> bool:
    if _COMPACT_DATE.fullmatch(value) and value[:2] in ("19", "20", "21"):
        return True
    m = _NUMERIC_DATE.fullmatch(value)
    if m:
        a, b, c = int(m.group(1)), int(m.group(3)), int(m.group(4))
        if len(m.group(1)) == 4:
            return 1 <= b <= 12 and 1 <= c <= 31
        return 1 <= a <= 31 and 1 <= b <= 31 and (len(m.group(4)) in (2, 4))
    import datetime as dt

    for fmt in _NAMED_FORMATS:
        try:
            dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
        return True
    return False


def amount_value(value: str) -> Decimal | None:
    """A rough reading of an amount for content checks (the separator guessed per value)."""
    parts = _split_amount(value)
    if parts is None:
        return None
    negative, num = parts
    num = num.translate(_GROUPING)
    dot, comma = num.rfind("."), num.rfind(",")
    if dot >= 0 and comma >= 0:
        decimal = "." if dot > comma else ","
    elif comma >= 0:
        decimal = "," if num.count(",") == 1 and len(num) - comma - 1 != 3 else ""
    elif dot >= 0:
        decimal = "." if num.count(".") == 1 else ""
    else:
        decimal = ""
    digits = "".join(
        ch for i, ch in enumerate(num) if ch.isdigit() or (ch == decimal and i == max(dot, comma))
    )
    try:
        out = Decimal(digits.replace(",", "."))
    except InvalidOperation:
        return None
    if not out.is_finite():
        return None
    return -out if negative else out


@dataclass
class Profile:
    """What one column holds in the sample rows."""

    index: int
    header: str
    filled: int = 0
    dates: int = 0
    amounts: int = 0
    codes: int = 0
    negatives: int = 0
    values: list[Decimal | None] = field(default_factory=list)

    @property
    def all_dates(self) -> bool:
        """True when every filled cell of the column holds dates."""
        return self.filled > 0 and self.dates == self.filled

    @property
    def all_amounts(self) -> bool:
        """True when every filled cell of the column holds amounts."""
        return self.filled > 0 and self.amounts == self.filled

    @property
    def all_codes(self) -> bool:
        """True when every filled cell of the column holds ISO currency codes."""
        return self.filled > 0 and self.codes == self.filled


def _profile(index: int, header: str, body: Sequence[Sequence[str]]) -> Profile:
    p = Profile(index, header)
    for row in body:
        cell = row[index].strip() if index < len(row) else ""
        if not cell:
            p.values.append(None)
            continue
        p.filled += 1
        if _is_date(cell):
            p.dates += 1
        if _ISO_CODE.fullmatch(cell):
            p.codes += 1
        value = amount_value(cell) if any(ch.isdigit() for ch in cell) else None
        p.values.append(value)
        if value is not None and not _is_date(cell):
            p.amounts += 1
            p.negatives += value < 0
    return p


@dataclass
class Layout:
    """An inferred CSV layout: the mapping, how sure each role is, and what is unclear."""

    mapping: CsvMapping
    confidence: dict[str, float]
    notes: list[str] = field(default_factory=list)
    ambiguities: list[str] = field(default_factory=list)

    @property
    def sure(self) -> bool:
        """True when nothing is ambiguous and every role is at least :data:`SURE`."""
        return not self.ambiguities and all(c >= SURE for c in self.confidence.values())

    @property
    def overall(self) -> float:
        """The lowest role confidence (0 with ambiguities)."""
        if self.ambiguities:
            return 0.0
        return min(self.confidence.values(), default=0.0)


def balance_checks(amounts: Sequence[Decimal | None], balances: Sequence[Decimal | None]) -> bool:
    """True when ``balances`` is a running balance of ``amounts`` (oldest or newest first)."""
    pairs = [(a, b) for a, b in zip(amounts, balances, strict=False) if b is not None]
    if len(pairs) < 2 or any(a is None for a, _ in pairs):
        return False
    forward = all(pairs[i][1] == pairs[i - 1][1] + (pairs[i][0] or 0) for i in range(1, len(pairs)))
    backward = all(
        pairs[i - 1][1] == pairs[i][1] + (pairs[i - 1][0] or 0) for i in range(1, len(pairs))
    )
    return forward or backward


def _pair(debit: Profile, credit: Profile) -> list[Decimal | None]:
    out: list[Decimal | None] = []
    for d, c in zip(debit.values, credit.values, strict=False):
        if d is None and c is None:
            out.append(None)
        else:
            out.append((c or Decimal(0)) - abs(d or Decimal(0)))
    return out


def _exclusive(a: Profile, b: Profile) -> bool:
    rows = [(x is not None, y is not None) for x, y in zip(a.values, b.values, strict=False)]
    filled = [r for r in rows if r[0] or r[1]]
    return bool(filled) and all(x != y for x, y in filled) and any(x for x, _ in filled)


def infer_layout(headers: Sequence[str], body: Sequence[Sequence[str]]) -> Layout | None:
    """The layout of a CSV whose header row is ``headers`` and whose first rows are ``body``.

    Returns None when ``headers`` does not look like a header row (no date column by name
    or content); a returned layout may carry ``ambiguities`` (then it is not sure).
    """
    cells = [h.strip() for h in headers]
    if sum(1 for c in cells if c) < 2 or any(c and _is_date(c) for c in cells):
        return None
    body = [r for r in body if "".join(r).strip()]  # no rows at all: names decide alone
    profiles = [_profile(i, h, body) for i, h in enumerate(cells)]
    named: dict[str, list[tuple[Profile, float]]] = {}
    for p in profiles:
        if not p.header:
            continue
        role, conf = header_role(p.header)
        if normalize_header(p.header) == "valuta":  # Italian currency, German value date
            role = "currency" if p.all_codes else "value_date" if p.all_dates else None
        if role is not None:
            named.setdefault(role, []).append((p, conf))
    confidence: dict[str, float] = {}
    notes: list[str] = []
    ambiguities: list[str] = []
    used: set[int] = set()

    def take(role: str, p: Profile, conf: float) -> str:
        confidence[role] = round(conf, 2)
        used.add(p.index)
        return p.header

    # -- the date ------------------------------------------------------------------------
    date_name = [(p, c) for p, c in named.get("date", []) if p.filled == 0 or p.dates]
    value_name = [(p, c) for p, c in named.get("value_date", []) if p.all_dates]
    date: str | None = None
    if date_name:
        booking = [
            x for x in date_name if any(w in normalize_header(x[0].header) for w in _BOOKING_WORDS)
        ]
        p, c = (booking or date_name)[0]
        # A bad value in a column named like a date is reported with its line when read.
        date = take("date", p, c)
    elif value_name:
        p, c = value_name[0]
        date = take("date", p, c * 0.95)
        notes.append(f"dates are the value dates of column {p.header!r} (no booking date column)")
    else:
        by_content = [p for p in profiles if p.all_dates]
        if not by_content:
            return None
        if len(by_content) > 1:
            names = ", ".join(repr(p.header) for p in by_content)
            ambiguities.append(f"columns {names} all hold dates; say which is the booking date")
        date = take("date", by_content[0], 0.8)
    for p, _ in named.get("value_date", []):
        used.add(p.index)

    # -- the money -----------------------------------------------------------------------
    def first(role: str, *, money: bool = True) -> tuple[Profile, float] | None:
        for p, c in named.get(role, []):
            if p.index in used:
                continue
            if money and p.filled and not p.amounts:
                continue  # named like money but holds none: another column may be the one
            return p, c
        if role in ("amount", "debit", "credit") and not any(
            q.amounts for q in profiles if q.index not in used
        ):
            # No column holds amounts: the named one is meant, and its bad values are
            # reported with their lines when read.
            return next(((p, c) for p, c in named.get(role, []) if p.index not in used), None)
        return None

    amount = debit = credit = fee = balance = None
    gross, net, fee_c = first("gross"), first("net"), first("fee")
    amount_c = first("amount")
    balance_c = first("balance")
    if balance_c:
        balance = take("balance", *balance_c)
    if gross and net:
        amount = take("amount", *gross)
        used.add(net[0].index)
        if fee_c:
            fee = take("fee", *fee_c)
            notes.append(
                f"fees ({fee!r}) become separate transactions; amounts are {amount!r}, "
                f"so {amount!r} + {fee!r} = {net[0].header!r}"
            )
    elif amount_c:
        amount = take("amount", *amount_c)
        if fee_c:
            used.add(fee_c[0].index)
            notes.append(
                f"fees ({fee_c[0].header!r}) are taken as included in {amount!r} (netted), "
                "not added again"
            )
    elif net:
        amount = take("amount", *net)
    else:
        debit_c, credit_c = first("debit"), first("credit")
        if debit_c or credit_c:
            if debit_c:
                debit = take("debit", *debit_c)
            if credit_c:
                credit = take("credit", *credit_c)
    if amount is None and debit is None and credit is None:
        money = [
            p
            for p in profiles
            if p.index not in used
            and p.all_amounts
            and not p.all_dates
            and header_role(p.header)[0] in (None, "amount", "debit", "credit", "balance")
        ]
        named_balance = [p for p in profiles if p.header == balance]
        found = False
        for a in money:
            for b in money:
                if a is b or not _exclusive(a, b):
                    continue
                # a/b filled in turn: a debit/credit pair; the running balance says which.
                for run in named_balance or [p for p in money if p is not a and p is not b]:
                    if balance_checks(_pair(a, b), run.values):
                        debit, credit = take("debit", a, 0.9), take("credit", b, 0.9)
                        if balance is None:
                            balance = take("balance", run, 0.9)
                        notes.append(
                            f"{debit!r} (money out) and {credit!r} (money in) found by the "
                            f"running balance {balance!r}"
                        )
                        found = True
                        break
                if found:
                    break
            if found:
                break
        if not found:
            pairs = [(a, b) for a in money for b in money if a.index < b.index and _exclusive(a, b)]
            checked = [
                (a, b)
                for a in money
                for b in money
                if a is not b and not _exclusive(a, b) and balance_checks(a.values, b.values)
            ]
            if checked and len({a.index for a, _ in checked}) == 1:
                a, b = checked[0]
                amount = take("amount", a, 0.9)
                balance = take("balance", b, 0.9)
                notes.append(f"{amount!r} is the amount: {balance!r} is its running balance")
            elif pairs:
                a, b = pairs[0]
                ambiguities.append(
                    f"columns {a.header!r} and {b.header!r} look like a debit/credit pair, "
                    "but nothing says which is money out; map debit and credit"
                )
            elif len(money) == 1:
                amount = take("amount", money[0], 0.8 if money[0].negatives else 0.6)
                if not money[0].negatives:
                    ambiguities.append(
                        f"column {money[0].header!r} holds amounts without signs; say whether "
                        "they are money out or money in (map debit or credit, or negate)"
                    )
            elif money:
                names = ", ".join(repr(p.header) for p in money)
                ambiguities.append(f"columns {names} all hold amounts; say which is the amount")
            else:
                ambiguities.append(f"no column holds amounts (date column {date!r})")
    if balance is not None and (amount or debit or credit):
        by_header = {p.header: p for p in profiles}
        if amount is not None:
            signed = by_header[amount].values
        else:
            zero = Profile(-1, "", values=[None] * len(body))
            signed = _pair(by_header.get(debit or "", zero), by_header.get(credit or "", zero))
        if balance_checks(signed, by_header[balance].values):
            for role in ("amount", "debit", "credit"):
                if role in confidence:
                    confidence[role] = max(confidence[role], 0.95)
            notes.append(f"the running balance {balance!r} checks the amounts of the sample")

    # -- texts and the rest --------------------------------------------------------------
    def text(role: str) -> str | None:
        for p, c in named.get(role, []):
            if p.index not in used:
                return take(role, p, c)
        return None

    direction = text("direction") if amount else None
    payee = text("payee")
    payee_from = text("payee_from")
    payee_to = text("payee_to")
    descriptions = []
    for p, c in named.get("description", []):
        if p.index not in used:
            descriptions.append(take("description", p, c))
    if payee is None and not (payee_from and payee_to) and descriptions:
        payee = descriptions.pop(0)
        confidence["payee"] = confidence.pop("description", 1.0)
        if descriptions:
            confidence["description"] = confidence["payee"]
    if payee is None and not descriptions and not (payee_from or payee_to):
        texts = [
            p for p in profiles
            if p.index not in used and p.header and p.filled and not p.amounts and not p.dates
            and header_role(p.header)[0] is None
        ]  # fmt: skip
        if len(texts) == 1:
            payee = take("payee", texts[0], 0.8)  # the one text column: who was paid
    currency_c = next(
        ((p, c) for p, c in named.get("currency", []) if p.index not in used and p.all_codes),
        None,
    )
    currency = take("currency", *currency_c) if currency_c else None
    status = text("status")
    kind = text("type")
    external_id = text("external_id")
    account = text("account")
    if payee_from and payee_to:
        notes.append(f"the payee is {payee_to!r} for money out and {payee_from!r} for money in")
    elif payee_from or payee_to:
        payee = payee or payee_from or payee_to
        payee_from = payee_to = None
    if status:
        notes.append(f"rows whose {status!r} is not completed are skipped")
    mapping = CsvMapping(
        name="auto",
        date=date or "",
        amount=amount,
        debit=debit,
        credit=credit,
        direction=direction,
        payee=payee if not (payee_from and payee_to) else None,
        description=tuple(descriptions),
        external_id=external_id,
        currency=currency,
        fee=fee,
        status=status,
        type=kind,
        balance=balance,
        payee_from=payee_from,
        payee_to=payee_to,
        account=account,
    )
    return Layout(mapping, confidence, notes, ambiguities)
