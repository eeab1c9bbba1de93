"""One router shape for the user-owned resources: list, create, read, update, delete.

Six domains (accounts, categories, rules, budgets, goals, debts) share this shape exactly;
:func:`owned_router` builds it once from the resource's service and schemas, so a fix to
one (paging, ownership, a status code) is a fix to all. Routers with more behaviour
(transactions, imports) are written by hand on the same dependencies.

No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations
at runtime, and the body and id types are set on them inside the factory.
"""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, status
from pydantic import BaseModel

from fincast.api.deps import CurrentUser, Limit, Offset, SessionDep
from fincast.api.problems import responses
from fincast.api.schemas.common import MAX_INT
from fincast.services.resources import OwnedResource


@dataclass(frozen=True)
class OwnedSchemas:
    """The schema family of one resource: create body, update body, one row, one page."""

    create: type[BaseModel]
    update: type[BaseModel]
    public: type[BaseModel]
    page: type[BaseModel]


def owned_router(
    resource: OwnedResource[Any],
    schemas: OwnedSchemas,
    *,
    plural: str,
    tag: str | None = None,
    create_refs: bool = False,
    delete_doc: str | None = None,
) -> APIRouter:
    """The CRUD router for ``resource`` at ``/api/<plural>``.

    Args:
        resource: The service that lists, creates, reads, updates and deletes the rows.
        schemas: Its request and response schemas.
        plural: URL segment and name of the collection (``accounts``).
        tag: OpenAPI tag (defaults to ``plural``).
        create_refs: The create body names other rows (account, category), so creating can
            also answer 404.
        delete_doc: What deleting one does, when it does more than delete the row.
    """
    singular = resource.label
    id_name = f"{singular}_id"
    public, page = schemas.public, schemas.page
    router = APIRouter(prefix=f"/api/{plural}", tags=[tag or plural], responses=responses(401, 422))

    def list_rows(
        session: SessionDep, user: CurrentUser, offset: Offset = 0, limit: Limit = 100
    ) -> Any:
        rows, count = resource.list(session, user.id, offset=offset, limit=limit)
        return page(data=[public.model_validate(r) for r in rows], count=count)

    def create_row(body: Any, session: SessionDep, user: CurrentUser) -> Any:
        return public.model_validate(resource.create(session, user.id, body.model_dump()))

    def get_row(obj_id: int, session: SessionDep, user: CurrentUser) -> Any:
        return public.model_validate(resource.get(session, user.id, obj_id))

    def update_row(obj_id: int, body: Any, session: SessionDep, user: CurrentUser) -> Any:
        changes = body.changes()
        return public.model_validate(resource.update(session, user.id, obj_id, changes))

    def delete_row(obj_id: int, session: SessionDep, user: CurrentUser) -> None:
        resource.delete(session, user.id, obj_id)

    # The body and id types are only known here; FastAPI reads them from __annotations__.
    id_path = Annotated[
        int, Path(ge=1, le=MAX_INT, alias=id_name, description="The resource's id.")
    ]
    create_row.__annotations__["body"] = schemas.create
    update_row.__annotations__["body"] = schemas.update
    for endpoint in (get_row, update_row, delete_row):
        endpoint.__annotations__["obj_id"] = id_path

    article = "an" if singular[0] in "aeiou" else "a"
    one = f"/{{{id_name}}}"
    router.add_api_route(
        "",
        list_rows,
        methods=["GET"],
        name=f"list_{plural}",
        response_model=page,
        description=f"List the user's {plural}.",
    )
    router.add_api_route(
        "",
        create_row,
        methods=["POST"],
        name=f"create_{singular}",
        response_model=public,
        status_code=status.HTTP_201_CREATED,
        responses=responses(404, 409) if create_refs else responses(409),
        description=f"Create {article} {singular}.",
    )
    router.add_api_route(
        one,
        get_row,
        methods=["GET"],
        name=f"get_{singular}",
        response_model=public,
        responses=responses(404),
        description=f"One of the user's {plural}.",
    )
    router.add_api_route(
        one,
        update_row,
        methods=["PATCH"],
        name=f"update_{singular}",
        response_model=public,
        responses=responses(404, 409),
        description=f"Change some fields of {article} {singular}.",
    )
    router.add_api_route(
        one,
        delete_row,
        methods=["DELETE"],
        name=f"delete_{singular}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=responses(404),
        description=delete_doc or f"Delete {article} {singular}.",
    )
    return router
