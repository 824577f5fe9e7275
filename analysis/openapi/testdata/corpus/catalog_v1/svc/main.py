from fastapi import FastAPI

from .api import products
from .core.settings import settings

app = FastAPI(title="Catalog")
app.include_router(products.router, prefix=f"{settings.api_prefix}/{settings.version}")
