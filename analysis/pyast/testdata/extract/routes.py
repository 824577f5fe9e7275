from typing import Annotated, List, Optional

from fastapi import APIRouter, Body, Cookie, Depends, File, Form, Header, HTTPException, Path, Query, UploadFile, status
from http import HTTPStatus

from ..models.user import User, Page
from ..deps import get_db, current_user

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/", response_model=Page[User])
async def list_users(
    skip: int = Query(0, ge=0),
    limit: Annotated[int, Query(le=100)] = 20,
    q: Optional[str] = None,
    db=Depends(get_db),
):
    """List users."""
    return await db.users.find().skip(skip).to_list(limit)


@router.get("/{user_id}", response_model=User)
async def get_user(user_id: str = Path(..., title="The id"), user: User = Depends(current_user)) -> User:
    user = await User.get(user_id)
    if user is None:
        raise HTTPException(404)
    return user


@router.post("/", response_model=User, status_code=status.HTTP_201_CREATED)
async def create_user(payload: User = Body(..., embed=True), x_token: str = Header(None, alias="X-Token")) -> User:
    await payload.insert()
    return payload


@router.delete("/{user_id}", status_code=204)
async def delete_user(user_id: str, session: Optional[str] = Cookie(None)):
    await User.find_one(User.id == user_id).delete()


@router.put("/{user_id}/avatar", status_code=HTTPStatus.ACCEPTED, summary="Upload an avatar")
def upload_avatar(user_id: str, file: UploadFile = File(...), caption: str = Form("")) -> dict:
    return {"ok": True}


@router.api_route("/ping", methods=["GET", "HEAD"])
def ping():
    return "pong"


def helper(x: int) -> int:
    return x + 1
