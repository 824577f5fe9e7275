from typing import Annotated, List, Literal, Optional, Union

from pydantic import BaseModel, Field

from .base import CamelModel


class CardPayment(CamelModel):
    kind: Literal["card"]
    card_last_four: str


class BankTransfer(CamelModel):
    kind: Literal["sepa", "wire"]
    iban: str
    reference: Optional[str] = None


class GiftCard(BaseModel):
    kind: Literal["gift"] = "gift"
    code: str


class PaymentRequest(CamelModel):
    method: Union[CardPayment, BankTransfer, GiftCard] = Field(..., discriminator="kind")
    split_with: List[Annotated[Union[CardPayment, GiftCard], Field(discriminator="kind")]] = []
    fallback: Optional[Union[CardPayment, BankTransfer]] = Field(None, discriminator="kind")


class PaymentReceipt(BaseModel):
    receipt_id: str
    method: Union[CardPayment, BankTransfer, GiftCard] = Field(..., discriminator="kind")
