from typing import Any, List, Optional

from pydantic import BaseModel, Field


class Optionality(BaseModel):
    plain: int
    with_default: int = 5
    opt_no_default: Optional[int]
    opt_none: Optional[int] = None
    pipe_none: int | None = None
    ellipsis: str = Field(...)
    opt_required: Optional[str] = Field(...)
    list_default: List[int] = []
    factory: List[int] = Field(default_factory=list)
    any_no_default: Any
    aliased: str = Field(..., alias="aliasName")
    aliased_default: str = Field("x", alias="el")
    str_default: str = "hello"
    bool_default: bool = False
    none_default_field: Optional[str] = Field(None, description="d")
    dict_default: dict = {}
