from fastapi import Depends, Header, Path, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

bearer = HTTPBearer(bearerFormat="JWT")

product_id_path = Path(..., min_length=2)
limit_query = Query(20, le=100)


def current_user(x_user: str = Header(...), token: HTTPAuthorizationCredentials = Depends(bearer)) -> dict:
    return {"user": x_user}
