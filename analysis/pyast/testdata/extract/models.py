"""Models of the example app (Beanie documents and Pydantic models)."""
from datetime import datetime
from enum import Enum, IntEnum
from typing import Annotated, ClassVar, Dict, Generic, List, Optional, TypeVar, Union

import pymongo
from beanie import Document, Indexed, Link, PydanticObjectId
from pydantic import BaseModel, ConfigDict, EmailStr, Field, computed_field, field_validator, model_validator, validator, root_validator
from pymongo import IndexModel

from .base import TimestampedDocument

T = TypeVar("T")


class Role(str, Enum):
    """What a user may do."""

    ADMIN = "admin"
    MEMBER = "member"
    GUEST = "guest"  # naïve 😀 comment


class Priority(IntEnum):
    LOW = 1
    HIGH = 2
    _ignore_ = ["x"]


class Address(BaseModel):
    street: str
    city: str = "Zürich"
    zip_code: Optional[str] = None
    country: str | None = Field(None, max_length=2)


class User(Document):
    """A registered user."""

    email: Indexed(EmailStr, unique=True)
    username: Annotated[str, Indexed()]
    handle: Indexed(str, pymongo.DESCENDING)
    full_name: str = Field(..., min_length=1, description="Shown in the UI")
    role: Role = Role.MEMBER
    tags: List[str] = Field(default_factory=list)
    address: Union[Address, None] = None
    created_at: datetime = Field(default_factory=datetime.utcnow, alias="createdAt")
    score: float = Field(default=0.0, ge=0)
    friends: list[Link["User"]] = []
    kind: ClassVar[str] = "user"
    _cache: dict = {}
    model_config = ConfigDict(populate_by_name=True)

    class Settings:
        name = "users"
        indexes = [
            "username",
            [("created_at", pymongo.DESCENDING), ("role", pymongo.ASCENDING)],
            IndexModel([("email", 1), ("role", -1)], unique=True, name="email_role"),
            IndexModel("score"),
            [("bio", pymongo.TEXT)],
        ]

    @field_validator("email", mode="before")
    @classmethod
    def lower_email(cls, v: str) -> str:
        """Emails are case-insensitive."""
        return v.lower()

    @computed_field
    @property
    def display(self) -> str:
        return f"{self.full_name} <{self.email}>"

    def greet(self) -> str:
        return "hi " + self.full_name


class Post(TimestampedDocument):
    title: str
    body: str = ""
    author: Link[User]
    likes: int = 0

    class Settings:
        name = "posts"


class Page(BaseModel, Generic[T]):
    items: List[T]
    total: int
    next_cursor: Optional[str] = Field(None, alias="nextCursor")


class LegacyItem(BaseModel):
    name: str
    price: Decimal = Field(..., gt=0)

    class Config:
        orm_mode = True

    @validator("name")
    def strip_name(cls, v):
        return v.strip()

    @root_validator(pre=True)
    def check(cls, values):
        return values

    @model_validator(mode="after")
    def after(self):
        return self


class Plain:
    x: int = 1
