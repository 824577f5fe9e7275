from pydantic import BaseModel


def to_camel(string: str) -> str:
    head, *tail = string.split("_")
    return head + "".join(word.title() for word in tail)


class ApiModel(BaseModel):
    class Config:
        alias_generator = to_camel
        allow_population_by_field_name = True
