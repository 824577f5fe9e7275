from fastapi import APIRouter, Depends, WebSocket
from pydantic.networks import EmailStr

from app.api.deps import get_current_active_superuser
from app.schemas import Message

router = APIRouter(prefix="/utils", tags=["utils"])


@router.post(
    "/test-email/",
    dependencies=[Depends(get_current_active_superuser)],
    status_code=201,
)
def test_email(email_to: EmailStr) -> Message:
    return Message(message="Test email sent")


@router.get("/health-check/")
async def health_check() -> bool:
    return True


@router.get("/version", include_in_schema=False)
def version() -> dict[str, str]:
    return {"version": "1.0"}


@router.get("/legacy-health/", deprecated=True)
def legacy_health() -> bool:
    return True


@router.websocket("/ws")
async def events(websocket: WebSocket) -> None:
    await websocket.accept()
