from typing import List, Optional

from pydantic import BaseModel

from ..models.note import NoteStatus


class NoteCreate(BaseModel):
    title: str
    body: str = ""
    tags: List[str] = []


class NoteUpdate(BaseModel):
    title: Optional[str] = None
    body: Optional[str] = None
    status: Optional[NoteStatus] = None


class Note(BaseModel):
    id: str
    title: str
    status: NoteStatus


class NotePage(BaseModel):
    items: List[Note]
    total: int
    skip: int = 0
