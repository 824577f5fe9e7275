from typing import ClassVar, List, Optional

from pydantic import BaseModel


class Owner(BaseModel):
    name: str


class Tree(BaseModel):
    label: str
    children: List["Tree"] = []
    parent: Optional["Tree"] = None
    owner: "Owner"
    first: "Leaf"

    counter: ClassVar[int] = 0
    _secret: str = "x"

    class Config:
        orm_mode = True


class Leaf(BaseModel):
    value: int


Tree.update_forward_refs()


class Animal(BaseModel):
    name: str
    legs: int = 4


class Bird(Animal):
    legs: int = 2
    wingspan: float


class Parrot(Bird):
    words: List[str] = []
