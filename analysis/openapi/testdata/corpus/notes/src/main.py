from fastapi import FastAPI

from . import config
from .routes import auth, notes

app = FastAPI(title="Notes")
app.include_router(notes.router, prefix=config.NOTES_PATH)
app.include_router(auth.router, prefix=config.API_V1)
