from pydantic import BaseModel

from ..utils import to_camel


class CamelModel(BaseModel):
    class Config:
        alias_generator = to_camel
        allow_population_by_field_name = True


class ObjectIdStr(str):
    @classmethod
    def __get_validators__(cls):
        yield cls.validate

    @classmethod
    def validate(cls, v):
        return cls(str(v))

    @classmethod
    def __modify_schema__(cls, field_schema):
        field_schema.update(type="string", format="objectid")
