from enum import Enum, IntEnum
from typing import List, Optional

from pydantic import BaseModel


class Color(str, Enum):
    RED = "red"
    GREEN = "green"


class Level(IntEnum):
    LOW = 1
    HIGH = 2


class Painted(BaseModel):
    color: Color
    fallback: Color = Color.GREEN
    level: Level = Level.LOW
    maybe: Optional[Color] = None
    palette: List[Color] = []
