"""Generated transactions as integer code arrays, recurring streams, and the ledger of both.

The ledger collects one chunk of rows per transaction type and sorts them once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from fincast.synth.arrays import BoolArray, IntArray
from fincast.synth.months import MonthGrid
from fincast.synth.names import CHECKING

ArrayLike = npt.ArrayLike

# Cadence codes of recurring streams.
MONTHLY, BIWEEKLY, WEEKLY, QUARTERLY, ANNUAL = 0, 1, 2, 3, 4
CADENCES = ("monthly", "biweekly", "weekly", "quarterly", "annual")


@dataclass
class Rows:
    """Transactions as parallel arrays of codes, sorted by user then date once assembled."""

    user: npt.NDArray[np.int32]
    day: npt.NDArray[np.int32]
    month: npt.NDArray[np.int16]
    cents: npt.NDArray[np.int64]
    account: npt.NDArray[np.int8]
    payee: npt.NDArray[np.int16]
    description: npt.NDArray[np.int8]
    category: npt.NDArray[np.int8]
    stream: npt.NDArray[np.int32]

    def __len__(self) -> int:
        return len(self.cents)

    def take(self, index: IntArray) -> Rows:
        """Return the rows at ``index`` (a permutation or a selection)."""
        return Rows(**{name: getattr(self, name)[index] for name in _FIELDS})


_FIELDS = tuple(Rows.__dataclass_fields__)
_DTYPES = {
    "user": np.int32,
    "day": np.int32,
    "month": np.int16,
    "cents": np.int64,
    "account": np.int8,
    "payee": np.int16,
    "description": np.int8,
    "category": np.int8,
    "stream": np.int32,
}


@dataclass
class Streams:
    """Metadata of recurring payment streams, indexed by stream id."""

    user: list[IntArray] = field(default_factory=list)
    payee: list[IntArray] = field(default_factory=list)
    category: list[IntArray] = field(default_factory=list)
    account: list[IntArray] = field(default_factory=list)
    cadence: list[IntArray] = field(default_factory=list)
    day_of_month: list[IntArray] = field(default_factory=list)
    cents: list[IntArray] = field(default_factory=list)
    varies: list[npt.NDArray[np.bool_]] = field(default_factory=list)
    count: int = 0

    def column(self, name: str) -> npt.NDArray[np.generic]:
        """Return one metadata column over all streams."""
        parts = getattr(self, name)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


class Ledger:
    """Collects transaction chunks; the generator adds one chunk per transaction type."""

    def __init__(self, grid: MonthGrid, n_users: int) -> None:
        self.grid = grid
        self.n_users = n_users
        self._parts: dict[str, list[np.ndarray]] = {name: [] for name in _FIELDS}
        self.streams = Streams()

    def add(
        self,
        user: IntArray,
        day: IntArray,
        cents: ArrayLike,
        account: ArrayLike,
        payee: ArrayLike,
        description: ArrayLike,
        category: ArrayLike,
        *,
        stream: ArrayLike = -1,
    ) -> None:
        """Add one chunk of transactions; scalars are broadcast to the chunk's length."""
        n = len(user)
        if n == 0:
            return
        values = {
            "user": user,
            "day": day,
            "month": self.grid.month_of(np.asarray(day, dtype=np.int64)),
            "cents": cents,
            "account": account,
            "payee": payee,
            "description": description,
            "category": category,
            "stream": stream,
        }
        for name, value in values.items():
            arr = np.asarray(value).astype(_DTYPES[name], copy=False)
            self._parts[name].append(np.broadcast_to(arr, (n,)) if arr.ndim == 0 else arr)

    def new_streams(
        self,
        users: IntArray,
        *,
        payee: ArrayLike,
        category: ArrayLike,
        day_of_month: ArrayLike,
        cents: ArrayLike,
        account: ArrayLike = CHECKING,
        cadence: ArrayLike = MONTHLY,
        varies: ArrayLike = False,
    ) -> npt.NDArray[np.int32]:
        """Register one recurring stream per entry of ``users``; return their stream ids."""
        n = len(users)
        s = self.streams

        def full(value: ArrayLike, dtype: type) -> np.ndarray:
            return np.broadcast_to(np.asarray(value).astype(dtype), (n,)).copy()

        s.user.append(full(users, np.int64))
        s.payee.append(full(payee, np.int64))
        s.category.append(full(category, np.int64))
        s.account.append(full(account, np.int64))
        s.cadence.append(full(cadence, np.int64))
        s.day_of_month.append(full(day_of_month, np.int64))
        s.cents.append(full(cents, np.int64))
        s.varies.append(full(varies, np.bool_))
        ids = np.arange(s.count, s.count + n, dtype=np.int32)
        s.count += n
        return ids

    def user_streams(self, who: BoolArray, **fields: ArrayLike) -> npt.NDArray[np.int32]:
        """Register one stream per user in ``who``; return each user's stream id (-1 if none).

        ``fields`` are those of ``new_streams``, each a scalar or one value per user.
        """
        users = np.flatnonzero(who)
        ids = np.full(len(who), -1, dtype=np.int32)
        ids[users] = self.new_streams(
            users, **{k: np.asarray(v)[users] if np.ndim(v) else v for k, v in fields.items()}
        )
        return ids

    def current(self, name: str) -> np.ndarray:
        """Return one field over the rows added so far (used by steps that look back)."""
        parts = self._parts[name]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=_DTYPES[name])

    def assemble(self) -> Rows:
        """Concatenate all chunks and sort by user, then date, keeping insertion order."""
        rows = Rows(**{name: self.current(name) for name in _FIELDS})
        span = self.grid.end_day - self.grid.first_day
        key = rows.user.astype(np.int64) * span + (rows.day.astype(np.int64) - self.grid.first_day)
        order = np.argsort(key, kind="stable")
        self._parts = {name: [] for name in _FIELDS}
        return rows.take(order)
