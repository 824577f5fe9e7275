from typing import Any, List

from fastapi import APIRouter, Depends, HTTPException

from app import models, schemas
from app.api import deps
from app.models.item import Item as ItemDocument

router = APIRouter()


@router.get("/", response_model=List[schemas.Item])
def read_items(
    skip: int = 0,
    limit: int = 100,
    current_user: models.User = Depends(deps.get_current_active_user),
) -> Any:
    return []


@router.post("/", response_model=schemas.Item)
def create_item(
    *,
    item_in: schemas.ItemCreate,
    current_user: models.User = Depends(deps.get_current_active_user),
) -> Any:
    return {}


@router.put("/{id}", response_model=schemas.Item)
def update_item(
    *,
    id: str,
    item_in: schemas.ItemUpdate,
    current_user: models.User = Depends(deps.get_current_active_user),
) -> Any:
    return {}


@router.get("/{id}/raw", response_model=ItemDocument)
def read_item_document(id: str) -> Any:
    raise HTTPException(status_code=404)


@router.delete("/{id}", response_model=schemas.Item)
def delete_item(
    *,
    id: str,
    current_user: models.User = Depends(deps.get_current_active_user),
) -> Any:
    return {}
