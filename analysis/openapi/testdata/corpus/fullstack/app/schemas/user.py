from typing import Optional

from pydantic import BaseModel, EmailStr, Field, HttpUrl, constr


class UserBase(BaseModel):
    email: Optional[EmailStr] = None
    is_active: Optional[bool] = True
    is_superuser: bool = False
    full_name: Optional[str] = None
    avatar_url: Optional[HttpUrl] = None


class UserCreate(UserBase):
    email: EmailStr
    password: constr(min_length=8, max_length=64)
    invite_code: Optional[str] = Field(None, alias="inviteCode")

    class Config:
        schema_extra = {"example": {"email": "ada@example.com", "password": "correct horse"}}


class UserUpdate(UserBase):
    password: Optional[str] = None


class UserInDBBase(UserBase):
    id: Optional[str] = None

    class Config:
        orm_mode = True


class User(UserInDBBase):
    pass


class UserInDB(UserInDBBase):
    hashed_password: str
