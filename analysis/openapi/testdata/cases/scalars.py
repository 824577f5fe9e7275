from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import AnyUrl, BaseModel, EmailStr, Field, HttpUrl, conint, confloat, constr


class Scalars(BaseModel):
    s: str
    email: EmailStr
    url: HttpUrl
    any_url: AnyUrl
    uid: UUID
    at: datetime
    day: date
    clock: time
    code: constr(min_length=2, max_length=8)
    n: int
    x: float
    small: conint(ge=0, le=10)
    ratio: confloat(gt=0)
    count: Annotated[int, Field(ge=0)]
    flag: bool
    span: timedelta
    money: Decimal
    blob: bytes
    anything: Any
    obj: object
