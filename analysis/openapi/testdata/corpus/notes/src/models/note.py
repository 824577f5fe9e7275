from datetime import datetime
from enum import Enum
from typing import List, Optional

from beanie import Document, Indexed, PydanticObjectId
from pydantic import Field


class NoteStatus(str, Enum):
    draft = "draft"
    published = "published"
    archived = "archived"


class Note(Document):
    title: Indexed(str)
    body: str = ""
    tags: List[str] = []
    status: NoteStatus = NoteStatus.draft
    owner: Optional[PydanticObjectId] = None
    created_at: datetime = Field(default_factory=datetime.utcnow)

    class Settings:
        name = "notes"
