from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer

from app import models, schemas
from app.core.config import settings

reusable_oauth2 = OAuth2PasswordBearer(
    tokenUrl=f"{settings.API_V1_STR}/login/access-token"
)


def get_current_user(token: str = Depends(reusable_oauth2)) -> models.User:
    raise HTTPException(status_code=status.HTTP_403_FORBIDDEN)


def get_current_active_user(
    current_user: models.User = Depends(get_current_user),
) -> models.User:
    return current_user


def get_current_active_superuser(
    current_user: models.User = Depends(get_current_user),
) -> models.User:
    return current_user
