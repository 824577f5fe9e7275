"""CRUD endpoints for users."""

from typing import List, Optional

from beanie import PydanticObjectId
from fastapi import APIRouter, HTTPException, Query

from ..models.user import Role, User, UserCreate, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/", response_model=List[User])
async def list_users(
    skip: int = 0,
    limit: int = Query(50, le=200),
    role: Optional[Role] = None,
):
    query = User.find() if role is None else User.find(User.role == role)
    return await query.skip(skip).limit(limit).to_list()


@router.get("/{user_id}", response_model=User)
async def get_user(user_id: PydanticObjectId):
    user = await User.get(user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="User not found")
    return user


@router.post("/", response_model=User, status_code=201)
async def create_user(payload: UserCreate):
    user = User(**payload.dict())
    await user.insert()
    return user


@router.put("/{user_id}", response_model=User)
async def update_user(user_id: PydanticObjectId, payload: UserUpdate):
    user = await User.get(user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="User not found")
    await user.set(payload.dict(exclude_unset=True))
    return user


@router.delete("/{user_id}", status_code=204)
async def delete_user(user_id: PydanticObjectId):
    user = await User.get(user_id)
    if user is not None:
        await user.delete()
