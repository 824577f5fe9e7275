"""FastAPI application: wires the routers and the database."""

import os

from fastapi import FastAPI

from .routes import conversations, items, users

DATABASE_URL = os.environ.get("DATABASE_URL", "mongodb://127.0.0.1:27017/farm_app")

app = FastAPI(title="FARM App API", version="0.1.0")

app.include_router(users.router, prefix="/api")
app.include_router(conversations.router, prefix="/api")
app.include_router(items.router, prefix="/api/v1")


@app.on_event("startup")
async def connect_database() -> None:
    from beanie import init_beanie
    from motor.motor_asyncio import AsyncIOMotorClient

    from .models.conversation import Conversation
    from .models.user import User

    client = AsyncIOMotorClient(DATABASE_URL)
    await init_beanie(database=client.get_default_database(), document_models=[User, Conversation])


@app.get("/health")
async def health() -> dict:
    return {"status": "ok"}
