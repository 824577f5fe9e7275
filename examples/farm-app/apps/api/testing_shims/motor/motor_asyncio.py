"""Test-only stand-in for motor.motor_asyncio: no connection is made."""

from typing import Any


class AsyncIOMotorClient:
    def __init__(self, url: str = "", **kwargs: Any) -> None:
        self.url = url

    def get_default_database(self) -> Any:
        return None
