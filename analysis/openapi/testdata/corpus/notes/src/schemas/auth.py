from pydantic import BaseModel


class Session(BaseModel):
    user: str
    token: str


class Upload(BaseModel):
    filename: str
    size: int
