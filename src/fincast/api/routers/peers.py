"""Peer targets for the user's ledger, and profile-only answers for someone with no history."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from fincast.api.deps import CurrentUser, EngineDep, SessionDep, SettingsDep
from fincast.api.problems import responses
from fincast.services import peers as service

router = APIRouter(prefix="/api/insights", tags=["insights"], responses=responses(401, 422))


def _whole_cents(value: float) -> float:
    """A money amount is 0 or at least one cent (1e-271 is no income anyone has)."""
    if 0 < value < 0.01:
        raise ValueError("an amount must be 0 or at least 0.01")
    return value


Amount = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False), AfterValidator(_whole_cents)]


class CategoryTargetPublic(BaseModel):
    """One field's target beside what the peers who save more spend."""

    field: str
    current: float
    target: float
    peer_median: float
    peer_p25: float
    peer_p75: float
    reason: str


class PeerModelInfo(BaseModel):
    """What the segmentation was fitted on."""

    sources: list[str]
    households: dict[str, int]
    segments: int | None
    trained_at: str | None


class PeerTargetsPublic(BaseModel):
    """The household's segment, its peers and the per-category and savings targets."""

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
    total_target: float
    targets: list[CategoryTargetPublic]
    notes: list[str]


class MeasuredSpan(BaseModel):
    """The complete months the ledger figures are means over."""

    months: int
    from_month: str
    to_month: str


class UserPeersPublic(PeerTargetsPublic):
    """Peer targets for the user's ledger."""

    measured: MeasuredSpan
    model: PeerModelInfo


@router.get("/peers", response_model=UserPeersPublic)
def peers(
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    dependents: Annotated[
        int | None, Query(ge=0, le=20, description="Household members you support.")
    ] = None,
) -> Any:
    """Per-category targets and a savings rate from peers in your segment who save more."""
    return service.user_peers(
        engine, session, user.id, models_dir=settings.resolved_models_dir, dependents=dependents
    )


class ProfileIn(BaseModel):
    """The second source's 17 profile fields for one month (its own names)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    income: Amount = Field(alias="Income")
    age: int = Field(alias="Age", ge=0, le=130)
    dependents: int = Field(alias="Dependents", ge=0, le=20)
    occupation: Literal["Professional", "Self_Employed", "Student", "Retired"] = Field(
        alias="Occupation"
    )
    city_tier: Literal["Tier_1", "Tier_2", "Tier_3"] = Field(alias="City_Tier")
    rent: Amount = Field(alias="Rent")
    loan_repayment: Amount = Field(alias="Loan_Repayment")
    insurance: Amount = Field(alias="Insurance")
    groceries: Amount = Field(alias="Groceries")
    transport: Amount = Field(alias="Transport")
    eating_out: Amount = Field(alias="Eating_Out")
    entertainment: Amount = Field(alias="Entertainment")
    utilities: Amount = Field(alias="Utilities")
    healthcare: Amount = Field(alias="Healthcare")
    education: Amount = Field(alias="Education")
    miscellaneous: Amount = Field(alias="Miscellaneous")
    desired_savings_percentage: float = Field(
        alias="Desired_Savings_Percentage", ge=0, le=100, allow_inf_nan=False
    )


class OverspendingStatus(BaseModel):
    """spending_over_income, short_of_savings_target or on_track."""

    status: str
    overspending: bool
    message: str


class SavingsTarget(BaseModel):
    """The desired savings and how much of it the disposable income reaches."""

    desired_savings: float
    attainment: float | None
    met: bool
    shortfall: float


class FurthestShare(BaseModel):
    """A spending share far from the population's."""

    field: str
    share: float
    population_share: float
    z: float


class Unusualness(BaseModel):
    """How unusual the spending pattern is against the reference population."""

    reference: str
    distance: float | None
    percentile: float | None
    label: str
    furthest: list[FurthestShare]
    reason: str


class HealthComponent(BaseModel):
    """One component of the profile health score."""

    name: str
    value: float | None
    points: float
    step: str


class ProfileHealth(BaseModel):
    """The profile health score (0-100), its tier and components."""

    score: float | None
    tier: str
    components: list[HealthComponent]
    not_measured: list[str]
    reason: str


class ProfileAnswers(BaseModel):
    """Every answer one month's profile gives."""

    disposable_income: float
    total_expense: float
    overspending: OverspendingStatus
    savings_target: SavingsTarget
    savings_rate: float | None
    unusualness: Unusualness
    health: ProfileHealth
    peers: PeerTargetsPublic | None
    recommendations: list[str]
    notes: list[str]
    model: PeerModelInfo


@router.post("/profile", response_model=ProfileAnswers)
def profile(body: ProfileIn, settings: SettingsDep, user: CurrentUser) -> Any:
    """Disposable income, overspending, unusualness, savings target, health and advice."""
    return service.profile_answers(body.model_dump(), models_dir=settings.resolved_models_dir)
