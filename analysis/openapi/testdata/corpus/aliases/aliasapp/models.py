from typing import List, Optional

from pydantic import BaseModel, Field

from . import naming
from .naming import camelize as pascalize
from .naming import kebab, lower_camel, prefixed, re_camel, shout


class Account(BaseModel):
    user_id: int
    is_active: bool = True
    address_line2: Optional[str] = None
    x2y_value: float = 0
    html_url: str = ""
    nickname: str = Field("", alias="explicit")

    class Config:
        alias_generator = pascalize
        allow_population_by_field_name = True


class Slug(BaseModel):
    page_title: str
    is_draft: bool = False

    class Config:
        alias_generator = kebab


class Lowered(BaseModel):
    first_name: str
    last_seen_at: Optional[str] = None

    class Config:
        alias_generator = lower_camel


class Regexed(BaseModel):
    item_count: int
    sku_2: str = ""

    class Config:
        alias_generator = re_camel


class Loud(BaseModel):
    level: int
    max_volume: int = 11

    class Config:
        alias_generator = shout


class Prefixed(BaseModel):
    is_open: bool
    opening_hour_utc: int = 9
    name: str = ""

    class Config:
        alias_generator = prefixed


class Qualified(BaseModel):
    owner_name: str

    class Config:
        alias_generator = naming.lower_camel


class Upper(BaseModel):
    zip_code: str

    class Config:
        alias_generator = str.upper


class Inherits(Account):
    """Fields added to a model whose base has the generator."""

    team_size: int = 1


class Bundle(BaseModel):
    accounts: List[Account] = []
    slug: Optional[Slug] = None
