# Names that collide in generated TypeScript unless farm-lsp renames:
# a per-operation alias vs an imported model (TS2440), a hook vs React
# Query's own, two hooks, a handler vs the client's runtime, a model vs a
# Pydantic v2 Name-Input identifier or an input variant.
from fastapi import APIRouter
from pydantic import BaseModel, computed_field


class StatusResponse(BaseModel):
    ok: bool


class StatusParams(BaseModel):
    verbose: bool


class UserInput(BaseModel):
    name: str


class User(BaseModel):
    name: str

    @computed_field
    @property
    def upper(self) -> str:
        return self.name.upper()


class Product(BaseModel):
    sku: str
    name: str
    price: float
    in_stock: bool = True
    tags: list[str] = []


class ProductInput(BaseModel):
    sku: str


router = APIRouter()


@router.get("/status", response_model=StatusResponse)
def status(verbose: bool = False):
    ...


@router.post("/status-params", response_model=StatusParams)
def status_params(body: StatusParams):
    ...


@router.get("/query")
def query(q: str = "") -> str:
    ...


@router.get("/x-mutation")
def x_mutation() -> str:
    ...


@router.post("/x")
def x() -> str:
    ...


@router.get("/base-url")
def base_url() -> str:
    ...


@router.get("/request")
def request() -> str:
    ...


@router.get("/url-search")
def URLSearch(q: str) -> str:
    ...


@router.post("/products", response_model=Product)
def create_product(product: Product):
    ...


@router.post("/users", response_model=User)
def create_user(user: User):
    ...
