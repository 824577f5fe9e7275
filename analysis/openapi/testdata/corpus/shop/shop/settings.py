from pydantic import BaseSettings


class ShopSettings(BaseSettings):
    api_prefix: str = "/shop"
    api_version: int = 2
    debug: bool = False

    class Config:
        env_file = ".env"
        env_prefix = "SHOP_"


settings = ShopSettings()
