from typing import Any

from beanie import PydanticObjectId
from fastapi import APIRouter, HTTPException

from app.api.deps import CurrentUser
from app.models.item import Item as ItemDocument
from app.schemas import Item, ItemCreate, ItemsPublic, ItemUpdate, Message

router = APIRouter(prefix="/items", tags=["items"])


@router.get("/", response_model=ItemsPublic)
async def read_items(current_user: CurrentUser, skip: int = 0, limit: int = 100) -> Any:
    """Retrieve items."""
    return ItemsPublic(data=[], count=0)


@router.get("/{id}", response_model=Item)
async def read_item(current_user: CurrentUser, id: PydanticObjectId) -> Any:
    raise HTTPException(status_code=404, detail="Item not found")


@router.get("/{id}/document")
async def read_item_document(id: PydanticObjectId) -> ItemDocument:
    raise HTTPException(status_code=404, detail="Item not found")


@router.post("/", response_model=Item)
async def create_item(*, current_user: CurrentUser, item_in: ItemCreate) -> Any:
    return {}


@router.put("/{id}", response_model=Item)
async def update_item(
    *,
    current_user: CurrentUser,
    id: PydanticObjectId,
    item_in: ItemUpdate,
) -> Any:
    return {}


@router.delete("/{id}")
async def delete_item(current_user: CurrentUser, id: PydanticObjectId) -> Message:
    return Message(message="Item deleted successfully")
