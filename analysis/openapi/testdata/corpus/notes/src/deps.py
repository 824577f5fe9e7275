from typing import List, Optional

from beanie import PydanticObjectId
from fastapi import Depends, Header, HTTPException, Query

from .models.note import Note


async def get_note(note_id: PydanticObjectId) -> Note:
    raise HTTPException(status_code=404)


def pagination(skip: int = 0, limit: int = Query(20, le=100)) -> dict:
    return {"skip": skip, "limit": limit}


class NoteFilters:
    def __init__(self, q: Optional[str] = None, tag: List[str] = Query([]), page: dict = Depends(pagination)):
        self.q, self.tag, self.page = q, tag, page


def tenant(x_tenant_id: str = Header(...)) -> str:
    return x_tenant_id
