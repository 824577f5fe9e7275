from datetime import date, datetime
from decimal import Decimal
from typing import Dict, List, Literal, Optional

from pydantic import BaseModel, Field

from .base import CamelModel, ObjectIdStr
from .catalog import Product


class Address(CamelModel):
    street_line: str
    postal_code: str
    country_code: str = "DE"


class Customer(CamelModel):
    customer_id: ObjectIdStr
    full_name: str
    shipping_address: Optional[Address] = None


class OrderLine(CamelModel):
    product: Product
    quantity: int = 1


class OrderCreate(CamelModel):
    customer_id: ObjectIdStr
    lines: List[OrderLine]
    delivery_date: Optional[date] = None


class Order(OrderCreate):
    order_id: ObjectIdStr
    status: Literal["pending", "paid", "shipped"] = "pending"
    placed_at: datetime
    totals: Dict[str, float] = {}
    grand_total: Decimal = Field(Decimal("0"), decimal_places=2)
    tracking_code: Optional[str] = Field(None, alias="tracking")


class Health(BaseModel):
    status: str
