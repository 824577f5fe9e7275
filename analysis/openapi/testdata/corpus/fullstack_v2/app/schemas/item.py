from pydantic import BaseModel, ConfigDict, Field


# Shared properties
class ItemBase(BaseModel):
    title: str = Field(min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=255)


# Properties to receive on item creation
class ItemCreate(ItemBase):
    pass


# Properties to receive on item update
class ItemUpdate(ItemBase):
    title: str | None = Field(default=None, min_length=1, max_length=255)  # type: ignore


# Properties to return via API, id is always required
class Item(ItemBase):
    model_config = ConfigDict(from_attributes=True)

    id: str
    owner_id: str


class ItemsPublic(BaseModel):
    data: list[Item]
    count: int
