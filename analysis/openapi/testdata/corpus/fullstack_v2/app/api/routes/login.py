from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from app.api.deps import CurrentUser
from app.schemas import Message, NewPassword, Token, User

router = APIRouter(tags=["login"])


@router.post("/login/access-token")
async def login_access_token(
    form_data: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Token:
    """OAuth2 compatible token login, get an access token for future requests."""
    return Token(access_token="")


@router.post("/login/test-token", response_model=User)
async def test_token(current_user: CurrentUser) -> Any:
    return current_user


@router.post("/password-recovery/{email}")
async def recover_password(email: str) -> Message:
    return Message(message="Password recovery email sent")


@router.post("/reset-password/")
async def reset_password(body: NewPassword) -> Message:
    return Message(message="Password updated successfully")
