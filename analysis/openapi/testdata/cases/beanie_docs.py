from typing import Annotated, List, Optional

from beanie import BackLink, Document, Indexed, Link, PydanticObjectId
from pydantic import Field


class Author(Document):
    name: Indexed(str, unique=True)
    handle: Annotated[str, Indexed()]
    books: List[BackLink["Book"]] = Field(default_factory=list, original_field="author")

    class Settings:
        name = "authors"


class Book(Document):
    title: str
    author: Link[Author]
    editor: Optional[Link[Author]] = None
    shelf_id: PydanticObjectId
    tags: List[str] = []

    class Settings:
        name = "books"
        indexes = [[("title", 1), ("shelf_id", -1)]]


class Ebook(Book):
    url: str
