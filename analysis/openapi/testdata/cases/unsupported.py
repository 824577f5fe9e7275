from typing import Callable, List

from pydantic import BaseModel


class Weird(BaseModel):
    ok: int
    thing: SomethingUnknown
    things: List[AlsoUnknown] = []
    fn: Callable[[int], int]
