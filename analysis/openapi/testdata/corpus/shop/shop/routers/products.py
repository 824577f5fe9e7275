from typing import List, Optional

from fastapi import APIRouter, Body, Depends, Query
from fastapi.security import APIKeyHeader

from ..models import Category, Product, ProductCreate, ProductList, Review
from ..models.page import Page

api_key = APIKeyHeader(name="X-Api-Key")

router = APIRouter(prefix="/products", tags=["products"])


@router.get("", response_model=ProductList)
def list_products(category: Optional[Category] = None, limit: int = Query(50)):
    return []


@router.post("", response_model=Product, dependencies=[Depends(api_key)])
def create_product(product: ProductCreate):
    return {}


@router.post("/{product_id}/reviews", response_model=Review, name="add_review")
def post_review(product_id: str, rating: int = Body(...), text: str = Body(None)):
    return {}


@router.get("/page", response_model=Page[Product])
def page_products(page: int = 1, size: int = Query(50, le=200)):
    return {"items": [], "total": 0, "page": page, "size": size}


@router.get("/reviews/page", response_model=Page[Review])
def page_reviews(page: int = 1):
    return {"items": [], "total": 0, "page": page}
