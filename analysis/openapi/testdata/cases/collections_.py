from typing import Any, Dict, FrozenSet, List, Literal, Mapping, Sequence, Set, Tuple, Union

from pydantic import BaseModel


class Point(BaseModel):
    x: float
    y: float


class Collections(BaseModel):
    a: list[int]
    b: List[str]
    c: set[str]
    d: frozenset[int]
    e: FrozenSet[int]
    f: Sequence[Point]
    g: tuple[int, ...]
    h: Tuple[int, str]
    i: dict[str, int]
    j: Dict[str, Point]
    k: Mapping[str, float]
    l: dict
    m: Dict[str, Any]
    n: Union[int, str]
    o: int | str
    p: Literal["a", "b"]
    q: Literal[1, 2]
    r: Literal["only"]
    s: Set[int]
    t: List[List[Point]]
    u: Union[Point, List[Point], None] = None
