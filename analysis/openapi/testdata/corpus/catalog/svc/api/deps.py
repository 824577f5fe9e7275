from typing import Annotated

from fastapi import Depends, Header, Path, Query
from fastapi.security import HTTPBearer

bearer = HTTPBearer(bearerFormat="JWT")

ProductId = Annotated[str, Path(min_length=2)]
Limit = Annotated[int, Query(le=100)]


def current_user(x_user: Annotated[str, Header()], token=Depends(bearer)) -> dict:
    return {"user": x_user}


CurrentUser = Annotated[dict, Depends(current_user)]
