"""Chat conversations with an AI model, in the shape of the FARM template."""

from datetime import datetime
from typing import Dict, List, Literal, Optional

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field


class Message(BaseModel):
    role: Literal["user", "assistant", "system"]
    content: str
    timestamp: datetime = Field(default_factory=datetime.utcnow)
    model: Optional[str] = None
    tokens: Optional[int] = None


class Conversation(Document):
    user_id: PydanticObjectId
    title: str = "New conversation"
    messages: List[Message] = Field(default_factory=list)
    provider: str = "ollama"
    model: str = "llama3.1"
    metadata: Dict[str, str] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=datetime.utcnow)
    updated_at: datetime = Field(default_factory=datetime.utcnow)

    class Settings:
        name = "conversations"
        indexes = [
            "user_id",
            [("user_id", 1), ("updated_at", -1)],
        ]


class ChatRequest(BaseModel):
    """Body of POST /conversations/{conversation_id}/messages."""

    content: str
    model: Optional[str] = None
    temperature: float = 0.7
    stream: bool = False


class ConversationSummary(BaseModel):
    id: str
    title: str
    message_count: int
    updated_at: datetime
