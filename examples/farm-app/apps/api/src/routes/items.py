"""Catalogue items, paginated."""

from typing import Dict, List, Optional

from fastapi import APIRouter, Body, HTTPException, Path, Query

from ..models.item import Item, ItemCreate, Page

router = APIRouter(prefix="/items", tags=["items"])

_ITEMS: Dict[str, Item] = {}


@router.get("/", response_model=Page[Item])
def list_items(
    page: int = Query(1, ge=1),
    size: int = Query(20, ge=1, le=100),
    q: Optional[str] = None,
    tags: List[str] = Query([]),
):
    found = [i for i in _ITEMS.values() if q is None or q.lower() in i.name.lower()]
    if tags:
        found = [i for i in found if set(tags) & set(i.tags)]
    start = (page - 1) * size
    return Page[Item](items=found[start : start + size], total=len(found), page=page, size=size)


@router.get("/{item_id}", response_model=Item)
def get_item(item_id: str = Path(..., min_length=1)):
    if item_id not in _ITEMS:
        raise HTTPException(status_code=404, detail="Item not found")
    return _ITEMS[item_id]


@router.post("/", response_model=Item, status_code=201)
def create_item(item: ItemCreate):
    created = Item(id=str(len(_ITEMS) + 1), **item.dict(by_alias=True))
    _ITEMS[created.id] = created
    return created


@router.put("/{item_id}/price", response_model=Item)
def set_item_price(item_id: str, price: float = Body(..., embed=True)):
    if item_id not in _ITEMS:
        raise HTTPException(status_code=404, detail="Item not found")
    _ITEMS[item_id].price = price
    return _ITEMS[item_id]


@router.delete("/{item_id}", status_code=204)
def delete_item(item_id: str):
    _ITEMS.pop(item_id, None)
