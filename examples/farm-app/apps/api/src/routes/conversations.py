"""Conversations with the configured AI provider."""

from typing import List

from beanie import PydanticObjectId
from fastapi import APIRouter, HTTPException

from ..ai.provider import get_provider
from ..models.conversation import ChatRequest, Conversation, ConversationSummary, Message

router = APIRouter(prefix="/conversations", tags=["conversations"])


@router.get("/", response_model=List[ConversationSummary])
async def list_conversations(user_id: PydanticObjectId, limit: int = 20):
    conversations = (
        await Conversation.find(Conversation.user_id == user_id)
        .sort(-Conversation.updated_at)
        .limit(limit)
        .to_list()
    )
    return [
        ConversationSummary(
            id=str(c.id),
            title=c.title,
            message_count=len(c.messages),
            updated_at=c.updated_at,
        )
        for c in conversations
    ]


@router.get("/{conversation_id}")
async def get_conversation(conversation_id: PydanticObjectId) -> Conversation:
    conversation = await Conversation.get(conversation_id)
    if conversation is None:
        raise HTTPException(status_code=404, detail="Conversation not found")
    return conversation


@router.post("/", response_model=Conversation, status_code=201)
async def create_conversation(user_id: PydanticObjectId, title: str = "New conversation"):
    conversation = Conversation(user_id=user_id, title=title)
    await conversation.insert()
    return conversation


@router.post("/{conversation_id}/messages", response_model=Message)
async def send_message(conversation_id: PydanticObjectId, request: ChatRequest):
    conversation = await Conversation.get(conversation_id)
    if conversation is None:
        raise HTTPException(status_code=404, detail="Conversation not found")
    provider = get_provider(conversation.provider)
    reply = await provider.chat(
        [m.dict() for m in conversation.messages] + [{"role": "user", "content": request.content}],
        model=request.model or conversation.model,
        temperature=request.temperature,
    )
    conversation.messages.append(Message(role="user", content=request.content))
    message = Message(role="assistant", content=reply, model=request.model or conversation.model)
    conversation.messages.append(message)
    await conversation.save()
    return message


@router.delete("/{conversation_id}", status_code=204)
async def delete_conversation(conversation_id: PydanticObjectId):
    conversation = await Conversation.get(conversation_id)
    if conversation is not None:
        await conversation.delete()
