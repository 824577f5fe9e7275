from decimal import Decimal
from typing import List, Optional

from fastapi import APIRouter, Body, Cookie, Depends, Form, Header, Query, Request, Response
from pydantic import BaseModel


class Thing(BaseModel):
    name: str


class Extra(BaseModel):
    note: str = ""


def current_user():
    return "u"


router = APIRouter(prefix="/things")
sub = APIRouter(prefix="/sub")


@router.get("/", response_model=List[Thing])
async def list_things(
    request: Request,
    q: Optional[str] = None,
    limit: int = Query(10, alias="max"),
    required_q: str = Query(...),
    tags: List[str] = Query([]),
    x_token: str = Header(...),
    session: Optional[str] = Cookie(None),
    user: str = Depends(current_user),
):
    ...


@router.post("/", response_model=Thing, status_code=201)
async def create_thing(thing: Thing):
    ...


@router.put("/{thing_id}")
async def replace_thing(thing_id: int, thing: Thing, extra: Extra) -> Thing:
    ...


@router.patch("/{thing_id}/name")
async def rename(thing_id: int, name: str = Body(..., embed=True)) -> Thing:
    ...


@router.delete("/{thing_id}", status_code=204)
async def delete_thing(thing_id: int, response: Response):
    ...


@router.post("/login")
async def login(username: str = Form(...), password: str = Form(...)) -> dict:
    ...


@sub.get("/{a}/{b}")
def nested(a: str, b: int, flag: bool = False):
    ...


router.include_router(sub, prefix="/nested")


class Price(BaseModel):
    amount: Decimal
    currency: str = "EUR"


@router.post("/prices", response_model=Price)
async def echo_price(price: Price):
    ...
