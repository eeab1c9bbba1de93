"""Categories of the current user: list, create, read, update, delete."""

from __future__ import annotations

from fastapi import APIRouter, status

from fincast.api.deps import CurrentUser, IdPath, Limit, Offset, SessionDep
from fincast.api.problems import responses
from fincast.api.schemas.ledger import (
    CategoriesPublic,
    CategoryCreate,
    CategoryPublic,
    CategoryUpdate,
)
from fincast.services.resources import categories

router = APIRouter(prefix="/api/categories", tags=["categories"], responses=responses(401, 422))


@router.get("", response_model=CategoriesPublic)
def list_categories(
    session: SessionDep, user: CurrentUser, offset: Offset = 0, limit: Limit = 100
) -> CategoriesPublic:
    """List the user's categories."""
    rows, count = categories.list(session, user.id, offset=offset, limit=limit)
    return CategoriesPublic(data=[CategoryPublic.model_validate(r) for r in rows], count=count)


@router.post(
    "",
    response_model=CategoryPublic,
    status_code=status.HTTP_201_CREATED,
    responses=responses(409),
)
def create_category(body: CategoryCreate, session: SessionDep, user: CurrentUser) -> CategoryPublic:
    """Create a category."""
    return CategoryPublic.model_validate(categories.create(session, user.id, body.model_dump()))


@router.get("/{category_id}", response_model=CategoryPublic, responses=responses(404))
def get_category(category_id: IdPath, session: SessionDep, user: CurrentUser) -> CategoryPublic:
    """One of the user's categories."""
    return CategoryPublic.model_validate(categories.get(session, user.id, category_id))


@router.patch("/{category_id}", response_model=CategoryPublic, responses=responses(404, 409))
def update_category(
    category_id: IdPath, body: CategoryUpdate, session: SessionDep, user: CurrentUser
) -> CategoryPublic:
    """Change some fields of a category."""
    return CategoryPublic.model_validate(
        categories.update(session, user.id, category_id, body.changes())
    )


@router.delete("/{category_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404))
def delete_category(category_id: IdPath, session: SessionDep, user: CurrentUser) -> None:
    """Delete a category (its transactions become uncategorized)."""
    categories.delete(session, user.id, category_id)
