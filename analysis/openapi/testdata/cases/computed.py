from decimal import Decimal

from fastapi import APIRouter
from pydantic import BaseModel, computed_field


class Invoice(BaseModel):
    net: Decimal
    vat_rate: float = 0.21

    @computed_field
    @property
    def gross(self) -> Decimal:
        return self.net * (1 + Decimal(str(self.vat_rate)))


class Note(BaseModel):
    text: str

    @computed_field
    @property
    def length(self) -> int:
        return len(self.text)


router = APIRouter(prefix="/invoices")


@router.post("/", response_model=Invoice)
def create_invoice(invoice: Invoice):
    return invoice


@router.get("/notes", response_model=Note)
def note():
    ...
