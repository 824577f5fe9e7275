"""Catalogue items: plain Pydantic models (no collection of their own)."""

from decimal import Decimal
from typing import Generic, List, Literal, Optional, TypeVar, Union

from pydantic import BaseModel, Field
from pydantic.generics import GenericModel

T = TypeVar("T")


class Dimensions(BaseModel):
    width: float
    height: float
    depth: Optional[float] = None


class ItemBase(BaseModel):
    name: str = Field(..., min_length=1, max_length=120)
    description: Optional[str] = None
    price: float = Field(..., ge=0)
    kind: Literal["physical", "digital"] = "physical"
    stock_keeping_unit: str = Field(..., alias="sku")


class ItemCreate(ItemBase):
    tags: List[str] = []
    dimensions: Optional[Dimensions] = None


class Item(ItemBase):
    id: str
    tags: List[str] = []
    dimensions: Optional[Dimensions] = None
    rating: Union[int, float, None] = None
    discount: Optional[Decimal] = None
    related: List["Item"] = []


class Page(GenericModel, Generic[T]):
    items: List[T]
    total: int
    page: int = 1
    size: int = 20


Item.update_forward_refs()
