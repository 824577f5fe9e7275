from typing import Optional

from beanie import Document, Indexed, PydanticObjectId


class Item(Document):
    title: Indexed(str)
    description: Optional[str] = None
    owner_id: PydanticObjectId

    class Settings:
        name = "items"
