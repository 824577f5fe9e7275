from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.security import HTTPBasic, HTTPBasicCredentials, OAuth2PasswordRequestForm

from ..models.user import User, UserOut
from ..schemas.auth import Session, Upload

router = APIRouter(prefix="/auth", tags=["auth"])

security = HTTPBasic()


class Credentials(HTTPBasicCredentials):
    remember: bool = False


class LoginForm(OAuth2PasswordRequestForm):
    pass


@router.post("/basic", response_model=Session)
def basic_login(credentials: HTTPBasicCredentials = Depends(security)):
    return {}


@router.post("/token", response_model=Session)
def token_login(form: LoginForm = Depends()):
    return {}


@router.post("/check", response_model=UserOut)
def check(credentials: Credentials):
    return {}


@router.post("/register", response_model=User)
def register(username: str = Form(...), email: str = Form(...), newsletter: bool = Form(False)):
    return {}


@router.post("/avatar", response_model=Upload)
async def upload_avatar(file: UploadFile = File(...), caption: str = Form("")):
    return {}
