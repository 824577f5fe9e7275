from typing import Annotated, Literal

from pydantic import BaseModel, Field

from .base import CamelModel


class CardPayment(CamelModel):
    kind: Literal["card"]
    card_last_four: str


class BankTransfer(CamelModel):
    kind: Literal["sepa", "wire"]
    iban: str
    reference: str | None = None


class GiftCard(BaseModel):
    kind: Literal["gift"] = "gift"
    code: str


class PaymentRequest(CamelModel):
    method: CardPayment | BankTransfer | GiftCard = Field(..., discriminator="kind")
    split_with: list[Annotated[CardPayment | GiftCard, Field(discriminator="kind")]] = []
    fallback: CardPayment | BankTransfer | None = Field(default=None, discriminator="kind")


class PaymentReceipt(BaseModel):
    receipt_id: str
    method: CardPayment | BankTransfer | GiftCard = Field(..., discriminator="kind")
