from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..models import Customer, Order, OrderCreate
from ..models.orders import Health
from ..models.payments import PaymentReceipt, PaymentRequest

bearer = HTTPBearer()

router = APIRouter()


@router.post("/orders", response_model=Order, status_code=status.HTTP_201_CREATED)
def place_order(order: OrderCreate, auth: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]):
    return {}


@router.get("/customers/{customer_id}", response_model=Customer, dependencies=[Depends(bearer)])
def get_customer(customer_id: str):
    return {}


@router.get("/health")
def health() -> Health:
    return Health(status="ok")


@router.get("/orders", response_model=list[Order])
def list_orders(
    auth: Annotated[HTTPAuthorizationCredentials, Depends(bearer)],
    page_size: Annotated[int, Query(alias="page-size", ge=1, le=100)] = 20,
    order_status: Annotated[Literal["pending", "paid", "shipped"] | None, Query(alias="status")] = None,
):
    return []


@router.post("/orders/{order_id}/payments", response_model=PaymentReceipt, status_code=status.HTTP_201_CREATED)
def pay_order(order_id: str, payment: PaymentRequest):
    return {}
