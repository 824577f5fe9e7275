from typing import List, Literal, Optional

from fastapi import APIRouter, Depends, Query, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..models import Customer, Order, OrderCreate
from ..models.orders import Health
from ..models.payments import PaymentReceipt, PaymentRequest

bearer = HTTPBearer()

router = APIRouter()


@router.post("/orders", response_model=Order, status_code=status.HTTP_201_CREATED)
def place_order(order: OrderCreate, auth: HTTPAuthorizationCredentials = Depends(bearer)):
    return {}


@router.get("/customers/{customer_id}", response_model=Customer, dependencies=[Depends(bearer)])
def get_customer(customer_id: str):
    return {}


@router.get("/health", response_model=Health)
def health():
    return {"status": "ok"}


@router.get("/orders", response_model=List[Order])
def list_orders(
    auth: HTTPAuthorizationCredentials = Depends(bearer),
    page_size: int = Query(20, alias="page-size", ge=1, le=100),
    order_status: Optional[Literal["pending", "paid", "shipped"]] = Query(None, alias="status"),
):
    return []


@router.post("/orders/{order_id}/payments", response_model=PaymentReceipt, status_code=status.HTTP_201_CREATED)
def pay_order(order_id: str, payment: PaymentRequest):
    return {}
