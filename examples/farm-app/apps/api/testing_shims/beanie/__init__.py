"""Test-only stand-in for Beanie (not packaged by Debian).

The oracle test puts testing_shims/ on PYTHONPATH so the example app imports
with Debian's python3-fastapi 0.92 / pydantic 1.10 and FastAPI can render its
OpenAPI schema. Only what affects the schema is reproduced, following Beanie
1.x on Pydantic v1: Document.id is an optional ObjectId serialised as "_id",
revision_id is hidden, PydanticObjectId renders as a string, Indexed(T) is T.
Nothing here talks to MongoDB.
"""

from typing import Any, Generic, Optional, Type, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class PydanticObjectId(str):
    """A 24-hex-digit MongoDB ObjectId, rendered as a string."""

    @classmethod
    def __get_validators__(cls):
        yield cls.validate

    @classmethod
    def validate(cls, v: Any) -> "PydanticObjectId":
        s = str(v)
        if len(s) != 24:
            raise ValueError("Id must be 24 hexadecimal characters")
        int(s, 16)
        return cls(s)

    @classmethod
    def __modify_schema__(cls, field_schema: dict) -> None:
        field_schema.update(type="string", example="5eb7cf5a86d9755df3a6c593")


class _IndexMarker:
    """Indexed() used as Annotated[...] metadata."""

    def __init__(self, index_type: Any = None, **kwargs: Any) -> None:
        self.index_type, self.kwargs = index_type, kwargs


def Indexed(typ: Any = None, index_type: Any = None, **kwargs: Any) -> Any:
    """Beanie returns a subclass of typ that carries index options."""
    if typ is None:
        return _IndexMarker(index_type, **kwargs)

    class IndexedType(typ):  # type: ignore[misc,valid-type]
        _indexed = (index_type, kwargs)

    IndexedType.__name__ = "Indexed " + typ.__name__
    return IndexedType


class Link(Generic[T]):
    """A reference to another Document (schema: the referenced id)."""

    @classmethod
    def __get_validators__(cls):
        yield lambda v: v

    @classmethod
    def __modify_schema__(cls, field_schema: dict) -> None:
        field_schema.update(type="object")


class BackLink(Link[T]):
    """The reverse side of a Link."""


def _hide_revision(schema: dict, model: Any) -> None:
    schema.get("properties", {}).pop("revision_id", None)


class Document(BaseModel):
    """A MongoDB document: id is optional and aliased to _id."""

    id: Optional[PydanticObjectId] = Field(default=None, alias="_id", description="MongoDB document ObjectID")
    revision_id: Optional[str] = Field(default=None, hidden=True)

    class Config:
        allow_population_by_field_name = True
        schema_extra = staticmethod(_hide_revision)

    @classmethod
    async def get(cls, document_id: Any) -> Any:  # pragma: no cover - never called by the oracle
        raise NotImplementedError("testing shim: no database")

    @classmethod
    def find(cls, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError("testing shim: no database")


async def init_beanie(*args: Any, **kwargs: Any) -> None:
    """No database in tests: start-up succeeds, queries raise."""
    return None
