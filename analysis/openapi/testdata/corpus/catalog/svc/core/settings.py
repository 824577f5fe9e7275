from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="CATALOG_")

    api_prefix: str = "/api"
    version: str = "v1"


settings = Settings()
