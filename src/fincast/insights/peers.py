"""Peer targets: segment households, then learn from the peers in a segment who save more.

A household is described by its income band (the percentile of its income within its own
source population, so incomes in different currencies compare) and by its spending shares of
income in the eleven categories of the second source's population dataset
(:data:`PEER_FIELDS`). Those twelve features are standardised (``StandardScaler``) and
clustered with ``KMeans`` into :data:`N_SEGMENTS` segments. Household size (dependents) is
known for the population dataset only, so it filters peers instead of entering the clusters.

For a household, its peers are the members of its segment (of its dependents band when
enough of them are known) whose savings rate (one minus the summed shares) is above its own.
Per category the target is the smaller of what the household spends now and the better
savers' median share times its income; targets are cut towards the better savers' first
quartile, least essential first, while they leave less than the peers' median savings rate,
and never add up to more than the income. Each target is therefore an amount such peers
really spend.

Pure: frames and arrays in, dataclasses out; the fitted model is plain arrays, saved by the
services as a signed model file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler

from fincast.errors import InputError

FloatArray = npt.NDArray[np.float64]

#: The eleven expense fields of the population dataset, as snake-case names.
PEER_FIELDS: tuple[str, ...] = (
    "rent",
    "loan_repayment",
    "insurance",
    "groceries",
    "transport",
    "eating_out",
    "entertainment",
    "utilities",
    "healthcare",
    "education",
    "miscellaneous",
)
#: The population dataset's column of each field.
DATASET_COLUMNS: dict[str, str] = {
    "rent": "Rent",
    "loan_repayment": "Loan_Repayment",
    "insurance": "Insurance",
    "groceries": "Groceries",
    "transport": "Transport",
    "eating_out": "Eating_Out",
    "entertainment": "Entertainment",
    "utilities": "Utilities",
    "healthcare": "Healthcare",
    "education": "Education",
    "miscellaneous": "Miscellaneous",
}
#: fincast's expense categories in the peer fields (everything else is miscellaneous).
CATEGORY_FIELD: dict[str, str] = {
    "housing": "rent",
    "debt_payments": "loan_repayment",
    "insurance": "insurance",
    "groceries": "groceries",
    "transport": "transport",
    "dining": "eating_out",
    "entertainment": "entertainment",
    "subscriptions": "entertainment",
    "utilities": "utilities",
    "healthcare": "healthcare",
    "education": "education",
}
#: Fields cut first when the targets must shrink (least essential first); the fixed
#: obligations (rent, loan repayments, insurance) are never cut below what peers spend.
CUT_ORDER: tuple[str, ...] = (
    "eating_out",
    "entertainment",
    "miscellaneous",
    "transport",
    "groceries",
    "utilities",
    "education",
    "healthcare",
)
#: Repayments the user owes: their target is what is due now (a peer without a loan pays
#: nothing, which is no target for someone with one); the debt plan says how to end them.
OBLIGATIONS: tuple[str, ...] = ("loan_repayment",)
N_SEGMENTS = 8
#: Fewer better-saving peers than this: the segment's top quarter of savers stand in.
MIN_PEERS = 20
SOURCES = ("synthetic", "population")


def dependents_band(dependents: float) -> int:
    """0: none, 1: one or two, 2: three or more; -1 unknown."""
    if dependents < 0 or np.isnan(dependents):
        return -1
    return 0 if dependents == 0 else (1 if dependents <= 2 else 2)


@dataclass(frozen=True)
class PeerPopulation:
    """Households to segment: income, dependents (-1 unknown), shares, source."""

    income: FloatArray
    dependents: FloatArray
    shares: FloatArray  # (n, len(PEER_FIELDS)) spending / income
    source: npt.NDArray[np.int64]  # index into SOURCES

    def __post_init__(self) -> None:
        n = len(self.income)
        if self.shares.shape != (n, len(PEER_FIELDS)):
            raise InputError(f"shares must be ({n}, {len(PEER_FIELDS)}); got {self.shares.shape}")

    @property
    def savings_rate(self) -> FloatArray:
        """One minus the summed shares (negative when spending is above income)."""
        return np.asarray(1.0 - self.shares.sum(axis=1), dtype=float)


def population_from_dataset(frame: pd.DataFrame) -> PeerPopulation:
    """The second source's population dataset (one row per household) as peers."""
    missing = [c for c in ("Income", "Dependents", *DATASET_COLUMNS.values()) if c not in frame]
    if missing:
        raise InputError(f"population dataset: missing columns {missing}")
    income = frame["Income"].to_numpy(dtype=float)
    keep = income > 0
    amounts = frame[[DATASET_COLUMNS[f] for f in PEER_FIELDS]].to_numpy(dtype=float)[keep]
    return PeerPopulation(
        income=income[keep],
        dependents=frame["Dependents"].to_numpy(dtype=float)[keep],
        shares=amounts / income[keep, None],
        source=np.full(int(keep.sum()), SOURCES.index("population"), dtype=np.int64),
    )


def fields_from_categories(spending: Mapping[str, float]) -> dict[str, float]:
    """Category amounts (positive spending) summed into the peer fields."""
    out = dict.fromkeys(PEER_FIELDS, 0.0)
    for slug, amount in spending.items():
        out[CATEGORY_FIELD.get(slug, "miscellaneous")] += max(float(amount), 0.0)
    return out


def population_from_monthly(monthly: pd.DataFrame) -> PeerPopulation:
    """Synthetic households (``fincast.synth`` monthly frame): each household's monthly means."""
    values = [c for c in monthly.columns if c not in ("user_id", "year_month")]
    means = monthly.groupby("user_id", observed=True)[values].mean()
    means = means[means["total_income"] > 0]
    cats = [c for c in values if c not in ("total_income", "total_expense", "savings")]
    rows = [fields_from_categories(r) for r in means[cats].to_dict(orient="records")]
    amounts = np.array([[r[f] for f in PEER_FIELDS] for r in rows], dtype=float)
    income = means["total_income"].to_numpy(dtype=float)
    return PeerPopulation(
        income=income,
        dependents=np.full(len(income), -1.0),
        shares=amounts.reshape(len(income), len(PEER_FIELDS)) / income[:, None],
        source=np.full(len(income), SOURCES.index("synthetic"), dtype=np.int64),
    )


def combine(*parts: PeerPopulation) -> PeerPopulation:
    """One population from several sources."""
    return PeerPopulation(
        income=np.concatenate([p.income for p in parts]),
        dependents=np.concatenate([p.dependents for p in parts]),
        shares=np.vstack([p.shares for p in parts]),
        source=np.concatenate([p.source for p in parts]),
    )


def income_percentile(sorted_incomes: FloatArray, income: float | FloatArray) -> FloatArray:
    """Share of ``sorted_incomes`` at or below ``income`` (0..1)."""
    if len(sorted_incomes) == 0:
        raise InputError("income percentile: the reference population is empty")
    pos = np.searchsorted(sorted_incomes, income, side="right")
    return np.asarray(pos / len(sorted_incomes), dtype=float)


@dataclass(frozen=True)
class PeerModel:
    """A fitted segmentation and the peers it was fitted on (plain arrays only)."""

    mean: FloatArray
    scale: FloatArray
    centers: FloatArray
    labels: npt.NDArray[np.int64]
    population: PeerPopulation
    incomes_by_source: dict[str, FloatArray]  # sorted, for income percentiles
    inertia: float

    def features(self, income_pct: FloatArray, shares: FloatArray) -> FloatArray:
        """The clustering features, standardised: income percentile, then the shares."""
        raw = np.column_stack([np.atleast_1d(income_pct), np.atleast_2d(shares)])
        return np.asarray((raw - self.mean) / self.scale, dtype=float)

    def segment(self, income_pct: float, shares: FloatArray) -> int:
        """The nearest segment centre to a household."""
        z = self.features(np.array([income_pct]), shares.reshape(1, -1))
        # A tiny income makes shares astronomically large (spending / 1e-271) and their
        # squares overflow. A million standard deviations out is as far as any distance
        # needs to go: the nearest centre is the same beyond it.
        z = np.clip(z, -1e6, 1e6)
        return int(np.argmin(((self.centers - z) ** 2).sum(axis=1)))

    @property
    def sources(self) -> list[str]:
        """The sources the model was fitted on."""
        return [SOURCES[i] for i in sorted(set(self.population.source.tolist()))]

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The model as named arrays (for a model file)."""
        out: dict[str, np.ndarray] = {
            "mean": self.mean,
            "scale": self.scale,
            "centers": self.centers,
            "labels": self.labels,
            "income": self.population.income,
            "dependents": self.population.dependents,
            "shares": self.population.shares,
            "source": self.population.source,
            "inertia": np.array([self.inertia]),
        }
        for name, incomes in self.incomes_by_source.items():
            out[f"incomes_{name}"] = incomes
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> PeerModel:
        """The model back from :meth:`to_arrays`."""
        try:
            population = PeerPopulation(
                income=np.asarray(arrays["income"], dtype=float),
                dependents=np.asarray(arrays["dependents"], dtype=float),
                shares=np.asarray(arrays["shares"], dtype=float),
                source=np.asarray(arrays["source"], dtype=np.int64),
            )
            return cls(
                mean=np.asarray(arrays["mean"], dtype=float),
                scale=np.asarray(arrays["scale"], dtype=float),
                centers=np.asarray(arrays["centers"], dtype=float),
                labels=np.asarray(arrays["labels"], dtype=np.int64),
                population=population,
                incomes_by_source={
                    k[len("incomes_") :]: np.asarray(v, dtype=float)
                    for k, v in arrays.items()
                    if k.startswith("incomes_")
                },
                inertia=float(np.asarray(arrays["inertia"])[0]),
            )
        except KeyError as exc:
            raise InputError(f"peer model: array {exc} missing") from exc

    def reference_incomes(self, prefer: str) -> tuple[str, FloatArray]:
        """The sorted incomes a percentile is read against: ``prefer``'s if fitted, else any."""
        if prefer in self.incomes_by_source:
            return prefer, self.incomes_by_source[prefer]
        name = next(iter(self.incomes_by_source))
        return name, self.incomes_by_source[name]


def fit_segments(
    population: PeerPopulation, *, n_segments: int = N_SEGMENTS, random_state: int = 0
) -> PeerModel:
    """Standardise the features and cluster them with k-means."""
    if len(population.income) < n_segments * MIN_PEERS:
        raise InputError(
            f"peer segments: {len(population.income)} households are too few for "
            f"{n_segments} segments (need {n_segments * MIN_PEERS})"
        )
    incomes = {
        SOURCES[s]: np.sort(population.income[population.source == s])
        for s in sorted(set(population.source.tolist()))
    }
    pct = np.empty(len(population.income))
    for s in set(population.source.tolist()):
        mask = population.source == s
        pct[mask] = income_percentile(incomes[SOURCES[s]], population.income[mask])
    raw = np.column_stack([pct, population.shares])
    scaler = StandardScaler().fit(raw)
    z = scaler.transform(raw)
    km = KMeans(n_clusters=n_segments, n_init=4, random_state=random_state).fit(z)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    return PeerModel(
        mean=np.asarray(scaler.mean_, dtype=float),
        scale=np.asarray(scale, dtype=float),
        centers=np.asarray(km.cluster_centers_, dtype=float),
        labels=np.asarray(km.labels_, dtype=np.int64),
        population=population,
        incomes_by_source=incomes,
        inertia=float(km.inertia_),
    )


@dataclass(frozen=True)
class CategoryTarget:
    """One field's target: current amount, the better savers' spread, the target, why."""

    field: str
    current: float
    target: float
    peer_median: float
    peer_p25: float
    peer_p75: float
    reason: str


@dataclass(frozen=True)
class PeerTargets:
    """A household's segment, its peers, the per-field targets and the savings target."""

    segment: int
    segment_size: int
    peers: int
    peer_rule: str
    income: float
    income_percentile: float
    income_reference: str
    savings_rate: float
    peer_savings_rate: float
    target_savings_rate: float
    targets: tuple[CategoryTarget, ...]
    notes: tuple[str, ...]

    @property
    def total_target(self) -> float:
        """The targets added up."""
        return float(sum(t.target for t in self.targets))

    def as_dict(self) -> dict[str, Any]:
        """Plain values (rounded to cents and four decimals)."""
        return {
            "segment": self.segment,
            "segment_size": self.segment_size,
            "peers": self.peers,
            "peer_rule": self.peer_rule,
            "income": round(self.income, 2),
            "income_percentile": round(self.income_percentile, 4),
            "income_reference": self.income_reference,
            "savings_rate": round(self.savings_rate, 4),
            "peer_savings_rate": round(self.peer_savings_rate, 4),
            "target_savings_rate": round(self.target_savings_rate, 4),
            "total_target": round(self.total_target, 2),
            "targets": [
                {
                    "field": t.field,
                    "current": round(t.current, 2),
                    "target": round(t.target, 2),
                    "peer_median": round(t.peer_median, 2),
                    "peer_p25": round(t.peer_p25, 2),
                    "peer_p75": round(t.peer_p75, 2),
                    "reason": t.reason,
                }
                for t in self.targets
            ],
            "notes": list(self.notes),
        }


def recommend(
    model: PeerModel,
    income: float,
    spending: Mapping[str, float],
    *,
    dependents: float | None = None,
    income_reference: str = "synthetic",
) -> PeerTargets:
    """Per-field targets and a savings rate from the better savers of the household's segment.

    Args:
        model: A fitted segmentation.
        income: Monthly income (positive).
        spending: Monthly spending per peer field (missing fields are 0).
        dependents: Household size beyond the earner, when known.
        income_reference: Whose incomes the income band is read against.

    Raises:
        InputError: income not positive, a negative or unknown field.
    """
    if not np.isfinite(income) or income <= 0:
        raise InputError("income must be above 0 for peer targets (no income, no shares)")
    unknown = sorted(set(spending) - set(PEER_FIELDS))
    if unknown:
        raise InputError(f"spending: unknown field {unknown[0]!r}; use {', '.join(PEER_FIELDS)}")
    current = np.array([float(spending.get(f, 0.0)) for f in PEER_FIELDS])
    if (current < 0).any() or not np.isfinite(current).all():
        bad = PEER_FIELDS[int(np.argmax((current < 0) | ~np.isfinite(current)))]
        raise InputError(f"spending: {bad} must be a number of at least 0")
    shares = current / income
    ref_name, ref = model.reference_incomes(income_reference)
    pct = float(income_percentile(ref, income))
    seg = model.segment(pct, shares)
    pop = model.population
    members = np.flatnonzero(model.labels == seg)
    notes: list[str] = []
    if ref_name != income_reference:
        notes.append(f"income band read against the {ref_name} households")
    rule = "segment"
    if dependents is not None and dependents_band(dependents) >= 0:
        band = np.array([dependents_band(d) for d in pop.dependents[members]])
        same = members[band == dependents_band(dependents)]
        if len(same) >= MIN_PEERS:
            members, rule = same, "segment and household size"
        else:
            notes.append("too few peers of the same household size; the whole segment is used")
    rate = float(1.0 - shares.sum())
    member_rates = pop.savings_rate[members]
    better = members[member_rates > rate]
    if len(better) < MIN_PEERS:
        cut = np.quantile(member_rates, 0.75)
        better = members[member_rates >= cut]
        rule += ", top quarter of savers"
        notes.append(
            f"fewer than {MIN_PEERS} peers save more than {rate:.1%}; the segment's top "
            "quarter of savers stand in"
        )
    else:
        rule += ", saving more"
    peer_shares = pop.shares[better]
    med = np.median(peer_shares, axis=0)
    p25 = np.quantile(peer_shares, 0.25, axis=0)
    p75 = np.quantile(peer_shares, 0.75, axis=0)
    peer_rate = float(np.median(pop.savings_rate[better]))
    target = np.minimum(shares, med)
    reasons = [
        "at or below what peers who save more spend: keep it"
        if shares[i] <= med[i]
        else f"peers who save more spend {med[i]:.1%} of income here; you spend {shares[i]:.1%}"
        for i in range(len(PEER_FIELDS))
    ]
    for name in OBLIGATIONS:
        i = PEER_FIELDS.index(name)
        target[i] = shares[i]
        if shares[i] > 0:
            reasons[i] = "a repayment you owe: kept as due (the debt plan shows how to end it)"
    # shrink towards the peers' first quartile while the peer savings rate does not fit
    room = 1.0 - max(peer_rate, 0.0)
    for name in CUT_ORDER:
        over = target.sum() - room
        if over <= 1e-12:
            break
        i = PEER_FIELDS.index(name)
        floor = min(target[i], p25[i])
        step = min(over, target[i] - floor)
        if step > 0:
            target[i] -= step
            reasons[i] = (
                f"cut towards what the thriftiest peers spend ({p25[i]:.1%} of income is "
                "their first quartile) to reach their savings rate"
            )
    if target.sum() > 1.0:
        # the better savers' own first quartiles exceed the income: scale to fit it
        target = target / target.sum()
        notes.append("even the peers' first quartiles add up to more than income; scaled to it")
    target_rate = float(np.clip(peer_rate, 0.0, 1.0 - target.sum()))
    if target_rate < peer_rate:
        notes.append(
            f"the targets leave room for saving {target_rate:.1%}, below the peers' {peer_rate:.1%}"
        )
    targets = tuple(
        CategoryTarget(
            field=f,
            current=float(current[i]),
            # unchanged stays exactly the current amount; a cut is rounded down to the cent
            target=float(current[i])
            if target[i] >= shares[i]
            else float(np.floor(target[i] * income * 100) / 100),
            peer_median=float(med[i] * income),
            peer_p25=float(p25[i] * income),
            peer_p75=float(p75[i] * income),
            reason=reasons[i],
        )
        for i, f in enumerate(PEER_FIELDS)
    )
    return PeerTargets(
        segment=seg,
        segment_size=int((model.labels == seg).sum()),
        peers=len(better),
        peer_rule=rule,
        income=float(income),
        income_percentile=pct,
        income_reference=ref_name,
        savings_rate=rate,
        peer_savings_rate=peer_rate,
        target_savings_rate=target_rate,
        targets=targets,
        notes=tuple(notes),
    )
