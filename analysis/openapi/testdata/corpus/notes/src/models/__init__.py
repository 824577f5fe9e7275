from .note import Note, NoteStatus
from .user import User
