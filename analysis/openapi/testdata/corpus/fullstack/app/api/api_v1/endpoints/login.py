from typing import Any

from fastapi import APIRouter, Body, Depends
from fastapi.security import OAuth2PasswordRequestForm

from app import schemas
from app.api import deps

router = APIRouter()


@router.post("/login/access-token", response_model=schemas.Token)
def login_access_token(form_data: OAuth2PasswordRequestForm = Depends()) -> Any:
    """OAuth2 compatible token login."""
    return {}


@router.post("/login/test-token", response_model=schemas.User)
def test_token(current_user=Depends(deps.get_current_user)) -> Any:
    return current_user


@router.post("/password-recovery/{email}", response_model=schemas.Msg)
def recover_password(email: str) -> Any:
    return {"msg": "Password recovery email sent"}


@router.post("/reset-password/", response_model=schemas.Msg)
def reset_password(
    token: str = Body(...),
    new_password: str = Body(...),
) -> Any:
    return {"msg": "Password updated successfully"}
