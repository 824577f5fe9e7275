from typing import Generic, List, Optional, TypeVar

from fastapi import APIRouter
from pydantic import BaseModel
from pydantic.generics import GenericModel

T = TypeVar("T")


class Item(BaseModel):
    name: str


class Page(GenericModel, Generic[T]):
    items: List[T]
    total: int
    next: Optional[T] = None


class Envelope(BaseModel, Generic[T]):
    data: T
    ok: bool = True


router = APIRouter(prefix="/g")


@router.get("/items", response_model=Page[Item])
def list_items():
    ...


@router.get("/numbers", response_model=Page[int])
def list_numbers():
    ...


@router.get("/wrapped", response_model=Envelope[Item])
def wrapped():
    ...
