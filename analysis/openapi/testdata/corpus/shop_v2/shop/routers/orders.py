from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..models import Customer, Order, OrderCreate
from ..models.orders import Health

bearer = HTTPBearer()

router = APIRouter()


@router.post("/orders", response_model=Order)
def place_order(order: OrderCreate, auth: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]):
    return {}


@router.get("/customers/{customer_id}", response_model=Customer, dependencies=[Depends(bearer)])
def get_customer(customer_id: str):
    return {}


@router.get("/health")
def health() -> Health:
    return Health(status="ok")
