from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, computed_field, field_serializer, model_validator

from .base import CamelModel, ObjectIdStr
from .catalog import Product


class Address(CamelModel):
    street_line: str
    postal_code: str
    country_code: str = "DE"


class Customer(CamelModel):
    customer_id: ObjectIdStr
    full_name: str
    shipping_address: Address | None = None


class OrderLine(CamelModel):
    product: Product
    quantity: int = 1


class OrderCreate(CamelModel):
    customer_id: ObjectIdStr
    lines: list[OrderLine]
    delivery_date: date | None = None

    @model_validator(mode="after")
    def has_lines(self) -> "OrderCreate":
        if not self.lines:
            raise ValueError("an order needs at least one line")
        return self


class Order(OrderCreate):
    order_id: ObjectIdStr
    status: Literal["pending", "paid", "shipped"] = "pending"
    placed_at: datetime
    totals: dict[str, float] = {}
    grand_total: Decimal = Field(default=Decimal("0"), decimal_places=2)
    tracking_code: str | None = Field(default=None, alias="tracking")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def line_count(self) -> int:
        return len(self.lines)

    @field_serializer("placed_at")
    def serialize_placed_at(self, value: datetime) -> str:
        return value.isoformat(timespec="seconds")


class Health(BaseModel):
    status: str
