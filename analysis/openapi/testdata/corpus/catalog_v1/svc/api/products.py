from typing import List

from fastapi import APIRouter, Body, Depends

from ..models.product import PriceChange, ProductIn, ProductOut
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
