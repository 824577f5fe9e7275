from datetime import datetime, timezone

from beanie import Document, Indexed, Link, PydanticObjectId
from pydantic import Field

from .user import User


class Item(Document):
    title: Indexed(str)
    description: str | None = None
    owner_id: PydanticObjectId
    owner: Link[User] | None = None
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))

    class Settings:
        name = "items"
