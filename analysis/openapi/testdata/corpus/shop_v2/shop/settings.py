from pydantic_settings import BaseSettings, SettingsConfigDict


class ShopSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="SHOP_", extra="ignore")

    api_prefix: str = "/shop"
    api_version: int = 2
    debug: bool = False


settings = ShopSettings()
