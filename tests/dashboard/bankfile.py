"""A generated bank CSV: months of salary and everyday spending, up to today."""

from __future__ import annotations

import datetime as dt
import random

SPENDING = (
    ("WHOLE FOODS MARKET", -85.0, 4),
    ("SHELL OIL 5512", -45.0, 2),
    ("NETFLIX.COM", -15.49, 1),
    ("STARBUCKS STORE 1234", -6.5, 6),
    ("CITY ELECTRIC UTILITY", -92.0, 1),
    ("AMAZON MKTPLACE", -60.0, 2),
)


def _month_starts(today: dt.date, months: int) -> list[dt.date]:
    first = today.replace(day=1)
    out = []
    for _ in range(months):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        out.append(first)
    return sorted(out)


def bank_csv(months: int = 8, *, today: dt.date | None = None, seed: int = 7) -> bytes:
    """``Date,Description,Amount`` rows: ``months`` complete months and this month so far."""
    today = today or dt.date.today()
    rng = random.Random(seed)
    lines = ["Date,Description,Amount"]
    for start in [*_month_starts(today, months), today.replace(day=1)]:
        current = start == today.replace(day=1)
        last_day = today.day if current else 28
        if not current:
            lines.append(f"{start:%Y-%m}-01,ACME CORP PAYROLL,3200.00")
            lines.append(f"{start:%Y-%m}-02,OAKWOOD APARTMENTS RENT,-1250.00")
        for payee, amount, times in SPENDING:
            for i in range(times if not current else 1):
                day = min(last_day, 1 + (i * 7 + rng.randrange(5)) % 28)
                value = amount * rng.uniform(0.8, 1.2)
                lines.append(f"{start:%Y-%m}-{day:02d},{payee},{value:.2f}")
    return ("\n".join(lines) + "\n").encode()
