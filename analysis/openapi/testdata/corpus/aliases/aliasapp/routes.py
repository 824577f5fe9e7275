from fastapi import APIRouter

from .models import Account, Bundle, Inherits, Loud, Lowered, Prefixed, Qualified, Regexed, Slug, Upper

router = APIRouter()


@router.post("/accounts", response_model=Account)
def create_account(account: Account):
    return account


@router.post("/slugs", response_model=Slug)
def create_slug(slug: Slug):
    return slug


@router.post("/lowered", response_model=Lowered)
def create_lowered(body: Lowered):
    return body


@router.post("/regexed", response_model=Regexed)
def create_regexed(body: Regexed):
    return body


@router.post("/loud", response_model=Loud)
def create_loud(body: Loud):
    return body


@router.post("/prefixed", response_model=Prefixed)
def create_prefixed(body: Prefixed):
    return body


@router.post("/qualified", response_model=Qualified)
def create_qualified(body: Qualified):
    return body


@router.post("/upper", response_model=Upper)
def create_upper(body: Upper):
    return body


@router.post("/inherits", response_model=Inherits)
def create_inherits(body: Inherits):
    return body


@router.get("/bundle", response_model=Bundle)
def read_bundle():
    return Bundle()
