"""User accounts: a Beanie Document stored in the "users" collection."""

from datetime import datetime
from enum import Enum
from typing import List, Optional

from beanie import Document, Indexed
from pydantic import BaseModel, EmailStr, Field


class Role(str, Enum):
    """What a user may do."""

    ADMIN = "admin"
    MEMBER = "member"
    GUEST = "guest"


class Address(BaseModel):
    street: str
    city: str
    postal_code: Optional[str] = None
    country: str = "NL"


class User(Document):
    """A person who can sign in."""

    email: Indexed(EmailStr, unique=True)
    username: Indexed(str, unique=True)
    full_name: Optional[str] = None
    role: Role = Role.MEMBER
    is_active: bool = True
    address: Optional[Address] = None
    tags: List[str] = Field(default_factory=list)
    login_count: int = 0
    created_at: datetime = Field(default_factory=datetime.utcnow)

    class Settings:
        name = "users"
        indexes = [
            "role",
            [("role", 1), ("created_at", -1)],
        ]


class UserCreate(BaseModel):
    """Body of POST /users."""

    email: EmailStr
    username: str
    full_name: Optional[str] = None
    role: Role = Role.MEMBER
    address: Optional[Address] = None


class UserUpdate(BaseModel):
    """Body of PUT /users/{user_id}: every field optional."""

    full_name: Optional[str] = None
    role: Optional[Role] = None
    is_active: Optional[bool] = None
    address: Optional[Address] = None
    tags: Optional[List[str]] = None
