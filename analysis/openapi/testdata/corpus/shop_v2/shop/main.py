from fastapi import FastAPI

from .routers import orders, products
from .settings import settings

API_ROOT = settings.api_prefix + "/v" + str(settings.api_version)

app = FastAPI()
app.include_router(products.router, prefix=settings.api_prefix)
app.include_router(orders.router, prefix=API_ROOT)
