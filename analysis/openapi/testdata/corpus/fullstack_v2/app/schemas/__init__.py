from .item import Item, ItemCreate, ItemsPublic, ItemUpdate
from .msg import Message
from .token import NewPassword, Token, TokenPayload
from .user import (
    UpdatePassword,
    User,
    UserCreate,
    UserRegister,
    UsersPublic,
    UserUpdate,
    UserUpdateMe,
)
