from typing import Any

from fastapi import APIRouter, Depends, HTTPException

from app.api.deps import CurrentUser, get_current_active_superuser
from app.models import User as UserDocument
from app.schemas import (
    Message,
    UpdatePassword,
    User,
    UserCreate,
    UserRegister,
    UsersPublic,
    UserUpdate,
    UserUpdateMe,
)

router = APIRouter(prefix="/users", tags=["users"])


@router.get(
    "/",
    dependencies=[Depends(get_current_active_superuser)],
    response_model=UsersPublic,
)
async def read_users(skip: int = 0, limit: int = 100) -> Any:
    return UsersPublic(data=[], count=0)


@router.post("/", dependencies=[Depends(get_current_active_superuser)], response_model=User)
async def create_user(*, user_in: UserCreate) -> Any:
    return {}


@router.patch("/me", response_model=User)
async def update_user_me(*, user_in: UserUpdateMe, current_user: CurrentUser) -> Any:
    return current_user


@router.patch("/me/password", response_model=Message)
async def update_password_me(*, body: UpdatePassword, current_user: CurrentUser) -> Any:
    return Message(message="Password updated successfully")


@router.get("/me", response_model=User)
async def read_user_me(current_user: CurrentUser) -> Any:
    return current_user


@router.delete("/me", response_model=Message)
async def delete_user_me(current_user: CurrentUser) -> Any:
    return Message(message="User deleted successfully")


@router.post("/signup", response_model=User)
async def register_user(user_in: UserRegister) -> Any:
    return {}


@router.get("/{user_id}", response_model=User)
async def read_user_by_id(user_id: str, current_user: CurrentUser) -> Any:
    raise HTTPException(status_code=404)


@router.get("/{user_id}/document", response_model=UserDocument)
async def read_user_document(user_id: str) -> Any:
    raise HTTPException(status_code=404)


@router.patch(
    "/{user_id}",
    dependencies=[Depends(get_current_active_superuser)],
    response_model=User,
)
async def update_user(*, user_id: str, user_in: UserUpdate) -> Any:
    return {}


@router.delete("/{user_id}", dependencies=[Depends(get_current_active_superuser)])
async def delete_user(current_user: CurrentUser, user_id: str) -> Message:
    return Message(message="User deleted successfully")
