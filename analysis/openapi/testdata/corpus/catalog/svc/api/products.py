from typing import List

from fastapi import APIRouter, Body

from ..models.product import PriceChange, ProductIn, ProductOut
from .deps import CurrentUser, Limit, ProductId

router = APIRouter(prefix="/products", tags=["products"])


@router.get("", response_model=List[ProductOut])
def list_products(limit: Limit = 20, offset: int = 0):
    return []


@router.post("", response_model=ProductOut)
def create_product(product: ProductIn, user: CurrentUser):
    return {}


@router.get("/{product_id}", response_model=ProductOut)
def get_product(product_id: ProductId):
    return {}


@router.put("/{product_id}/price", response_model=ProductOut, name="reprice")
def change_price(product_id: ProductId, change: PriceChange, note: str = Body(embed=True, alias="noteText"), user: CurrentUser = None):
    return {}
