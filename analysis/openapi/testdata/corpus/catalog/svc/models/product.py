from typing import List, Optional

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
