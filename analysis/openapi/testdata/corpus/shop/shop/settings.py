from pydantic import BaseSettings


class ShopSettings(BaseSettings):
    api_prefix: str = "/shop"
    api_version: int = 2
    debug: bool = False


settings = ShopSettings()
