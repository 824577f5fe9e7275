from typing import Dict, List, Optional

from fastapi import APIRouter, Body, Cookie, Depends, Header, Query, Response, status

from ..models.product import Category, Message, PriceChange, ProductIn, ProductOut, ProductPatch
from .deps import current_user, limit_query, product_id_path

router = APIRouter(prefix="/products", tags=["products"])


@router.get("", response_model=List[ProductOut])
def list_products(limit: int = limit_query, offset: int = 0):
    return []


@router.post("", response_model=ProductOut)
def create_product(product: ProductIn, user: dict = Depends(current_user)):
    return {}


@router.get("/{product_id}", response_model=ProductOut)
def get_product(product_id: str = product_id_path):
    return {}


@router.put("/{product_id}/price", response_model=ProductOut, name="reprice")
def change_price(
    change: PriceChange,
    product_id: str = product_id_path,
    note: str = Body(..., embed=True, alias="noteText"),
    user: dict = Depends(current_user),
):
    return {}


@router.get("/by-category/{category}", response_model=Dict[str, ProductOut])
def by_category(
    category: Category,
    tags: Optional[List[str]] = Query(None),
    session: Optional[str] = Cookie(None),
    request_id: Optional[str] = Header(None, alias="X-Request-ID"),
):
    return {}


@router.patch("/{product_id}", response_model=ProductOut, response_model_exclude_none=True, responses={404: {"model": Message}})
def patch_product(patch: ProductPatch, product_id: str = product_id_path, user: dict = Depends(current_user)):
    return {}


@router.delete("/{product_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_product(product_id: str = product_id_path, user: dict = Depends(current_user)) -> None:
    return None
