# Pydantic v2 applies types used as Annotated metadata (EmailStr); Beanie's
# Indexed(T) keeps T's schema. Pydantic v1 ignores metadata that is not a
# FieldInfo.
from typing import Annotated, List, Optional

from beanie import Document, Indexed
from fastapi import APIRouter
from pydantic import BaseModel, EmailStr, Field


class Contact(BaseModel):
    email: Annotated[str, EmailStr]
    backup: Optional[Annotated[str, EmailStr]] = None
    others: List[Annotated[str, EmailStr]] = []
    plain: Annotated[str, Field(min_length=1)]


class Member(Document):
    email: Indexed(EmailStr, unique=True)
    alt: Annotated[str, Indexed(unique=True)]
    name: Indexed(str)


router = APIRouter(prefix="/contacts")


@router.post("/", response_model=Contact)
def create_contact(contact: Contact):
    ...
