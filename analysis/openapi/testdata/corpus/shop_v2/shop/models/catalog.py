from enum import Enum
from typing import Annotated

from pydantic import Field, RootModel, field_validator

from .base import CamelModel, ObjectIdStr


class Category(str, Enum):
    BOOKS = "books"
    GAMES = "games"
    TOOLS = "tools"


class ProductCreate(CamelModel):
    display_name: str
    unit_price: Annotated[float, Field(gt=0)]
    stock_count: int = 0
    category: Category = Category.BOOKS

    @field_validator("display_name")
    @classmethod
    def strip_name(cls, v: str) -> str:
        return v.strip()


class Product(ProductCreate):
    product_id: ObjectIdStr
    image_urls: list[str] = []


class ProductList(RootModel[list[Product]]):
    pass


class Review(CamelModel):
    review_id: ObjectIdStr
    star_rating: int = Field(..., ge=1, le=5)
    review_text: str | None = None
