from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from .routes import users, posts
from .routes.health import router as health_router

app = FastAPI(title="FARM app")
app.add_middleware(CORSMiddleware, allow_origins=["*"])

app.include_router(users.router, prefix="/api")
app.include_router(router=posts.router, prefix="/api", tags=["posts"])


def create_app() -> FastAPI:
    application = FastAPI()
    application.include_router(health_router)
    return application


@app.get("/health")
async def health():
    return {"status": "ok"}
