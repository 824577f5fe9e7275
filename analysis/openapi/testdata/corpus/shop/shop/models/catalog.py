from enum import Enum
from typing import List, Optional

from pydantic import BaseModel, Field

from .base import CamelModel, ObjectIdStr


class Category(str, Enum):
    BOOKS = "books"
    GAMES = "games"
    TOOLS = "tools"


class ProductCreate(CamelModel):
    display_name: str
    unit_price: float
    stock_count: int = 0
    category: Category = Category.BOOKS


class Product(ProductCreate):
    product_id: ObjectIdStr
    image_urls: List[str] = []


class ProductList(BaseModel):
    __root__: List[Product]


class Review(CamelModel):
    review_id: ObjectIdStr
    star_rating: int = Field(..., ge=1, le=5)
    review_text: Optional[str] = None
