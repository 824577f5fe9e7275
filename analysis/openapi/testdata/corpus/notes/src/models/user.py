from typing import Optional

from beanie import Document
from pydantic import BaseModel, EmailStr


class User(Document):
    username: str
    email: EmailStr
    disabled: bool = False


class UserOut(BaseModel):
    username: str
    email: Optional[EmailStr] = None
