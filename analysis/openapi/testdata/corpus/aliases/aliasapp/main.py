from fastapi import FastAPI

from .routes import router

app = FastAPI(title="aliases")
app.include_router(router)
