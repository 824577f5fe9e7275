from typing import Callable, List

from fastapi import APIRouter
from pydantic import BaseModel


class Weird(BaseModel):
    ok: int
    thing: SomethingUnknown
    things: List[AlsoUnknown] = []
    fn: Callable[[int], int]


router = APIRouter()


@router.get("/missing", response_model=Ghost)
async def missing():
    ...
