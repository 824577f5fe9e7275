from enum import Enum
from typing import List, Optional

from pydantic import BaseModel

from .base import ApiModel


class ProductIn(ApiModel):
    display_name: str
    unit_price: float
    tag_list: List[str] = []


class ProductOut(ProductIn):
    product_id: str
    stock_level: Optional[int] = None


class PriceChange(ApiModel):
    new_price: float
    reason_code: str = "manual"


class Category(str, Enum):
    food = "food"
    tools = "tools"


class ProductPatch(ApiModel):
    display_name: Optional[str] = None
    unit_price: Optional[float] = None
    category: Optional[Category] = None


class Message(BaseModel):
    detail: str
