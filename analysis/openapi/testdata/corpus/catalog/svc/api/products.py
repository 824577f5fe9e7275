from typing import Annotated, List

from fastapi import APIRouter, Body, Cookie, Header, Query, Response, status

from ..models.product import Category, Message, PriceChange, ProductIn, ProductOut, ProductPatch
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


@router.get("/by-category/{category}", response_model=dict[str, ProductOut])
def by_category(
    category: Category,
    tags: Annotated[list[str] | None, Query()] = None,
    session: Annotated[str | None, Cookie()] = None,
    request_id: Annotated[str | None, Header(alias="X-Request-ID")] = None,
):
    return {}


@router.patch("/{product_id}", response_model=ProductOut, response_model_exclude_none=True, responses={404: {"model": Message}})
def patch_product(product_id: ProductId, patch: ProductPatch, user: CurrentUser):
    return {}


@router.delete("/{product_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_product(product_id: ProductId, user: CurrentUser) -> None:
    return None
