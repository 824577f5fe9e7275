from pydantic import BaseSettings


class Settings(BaseSettings):
    api_prefix: str = "/api"
    version: str = "v1"

    class Config:
        env_file = ".env"
        env_prefix = "CATALOG_"


settings = Settings()
