from datetime import date
from typing import Dict, List, Optional

from pydantic import BaseModel

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
    totals: Dict[str, float] = {}


class Health(BaseModel):
    status: str
