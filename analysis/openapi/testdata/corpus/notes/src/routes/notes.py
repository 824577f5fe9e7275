from typing import List

from fastapi import APIRouter, Body, Depends, status

from .. import deps
from ..deps import NoteFilters, get_note, pagination
from ..models import Note as NoteDocument
from ..schemas import note as schemas

router = APIRouter(tags=["notes"], dependencies=[Depends(deps.tenant)])

embed = Body(..., embed=True)


@router.get("/", response_model=schemas.NotePage)
async def list_notes(filters: NoteFilters = Depends()):
    return {}


@router.get("/recent", response_model=List[schemas.Note])
async def recent_notes(page: dict = Depends(pagination)):
    return []


@router.post("/", response_model=schemas.Note, status_code=status.HTTP_201_CREATED)
async def create_note(note: schemas.NoteCreate):
    return {}


@router.get("/{note_id}", response_model=NoteDocument)
async def read_note(note: NoteDocument = Depends(get_note)):
    return note


@router.patch("/{note_id}", response_model=schemas.Note)
async def update_note(update: schemas.NoteUpdate, note: NoteDocument = Depends(get_note)):
    return {}


@router.post("/{note_id}/tags", response_model=schemas.Note)
async def add_tag(tag: str = embed, note: NoteDocument = Depends(get_note)):
    return {}


@router.delete("/{note_id}", status_code=204)
async def delete_note(note: NoteDocument = Depends(get_note)):
    return None
