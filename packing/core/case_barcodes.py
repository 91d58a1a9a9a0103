"""A product's case (packaging) barcodes as admins keep them: find the product, add a case
barcode that counts N units in one scan, remove one.

The importer sets the cases a product's attributes name (``attributes["packaging_barcodes"]``,
packing/core/importer.py) and leaves an admin's alone; scanning counts them
(packing/core/scanning.py). A case barcode must not already be scanned as anything else: a
product's barcode or SKU, or another case (``scanning.is_product_code``), else one scan would
mean two things."""

from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from packing.core.errors import InvalidParameter, NotFound
from packing.core.models import Product, ProductBarcode, ProductPackaging
from packing.core.scanning import MAX_CODE_LENGTH, is_product_code
from packing.core.stores import DuplicateCode

# The table's check constraint holds the lower bound (one unit is the product's own barcode);
# the upper keeps one scan from writing an unbounded number of rows.
MIN_CASE_UNITS = 2
MAX_CASE_UNITS = 1000
PRODUCTS_LISTED = 25


def find_products(session: Session, search: str, limit: int = PRODUCTS_LISTED) -> list[Product]:
    """Products whose SKU, barcode or case barcode is ``search`` (first), then those whose
    name or SKU contains it."""
    text = (search or "").strip()
    if not text:
        return []
    exact = or_(
        Product.sku == text,
        Product.barcode == text,
        Product.id.in_(select(ProductBarcode.product_id).where(ProductBarcode.barcode == text)),
        Product.id.in_(select(ProductPackaging.product_id).where(ProductPackaging.barcode == text)),
    )
    lowered = text.lower()
    partial = or_(
        func.lower(Product.name).contains(lowered, autoescape=True),
        func.lower(Product.sku).contains(lowered, autoescape=True),
    )
    query = (
        select(Product)
        .where(or_(exact, partial))
        .order_by(case((exact, 0), else_=1), Product.name, Product.sku)
        .limit(limit)
    )
    return list(session.scalars(query))


def case_counts(session: Session, product_ids: list[int]) -> dict[int, int]:
    """How many case barcodes each of ``product_ids`` has (absent when none)."""
    if not product_ids:
        return {}
    rows = session.execute(
        select(ProductPackaging.product_id, func.count(ProductPackaging.id))
        .where(ProductPackaging.product_id.in_(product_ids))
        .group_by(ProductPackaging.product_id)
    )
    return {product_id: count for product_id, count in rows}


def get_product(session: Session, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("No such product.")
    return product


def product_cases(session: Session, product: Product) -> list[ProductPackaging]:
    return list(
        session.scalars(
            select(ProductPackaging)
            .where(ProductPackaging.product_id == product.id)
            .order_by(ProductPackaging.quantity, ProductPackaging.barcode)
        )
    )


def imported_barcodes(product: Product) -> set[str]:
    """The case barcodes the product's imported attributes name: removed here, they come back
    with the next import of the product."""
    entries = (product.attributes or {}).get("packaging_barcodes")
    if not isinstance(entries, list):
        return set()
    return {entry["barcode"] for entry in entries if isinstance(entry, dict) and isinstance(entry.get("barcode"), str)}


def get_case(session: Session, product: Product, case_id: int) -> ProductPackaging:
    """The product's case ``case_id``; another product's case is not found here."""
    found = session.get(ProductPackaging, case_id)
    if found is None or found.product_id != product.id:
        raise NotFound("No such case barcode.")
    return found


def _barcode(value: str) -> str:
    code = (value or "").strip()
    if not code:
        raise InvalidParameter("Scan or type the case's barcode.", field="barcode")
    if len(code) > MAX_CODE_LENGTH or not code.isprintable() or any(char.isspace() for char in code):
        raise InvalidParameter(
            "A barcode is 1 to {limit} characters without spaces.", limit=MAX_CODE_LENGTH, field="barcode"
        )
    return code


def _quantity(value: Optional[int]) -> int:
    if value is None or not MIN_CASE_UNITS <= value <= MAX_CASE_UNITS:
        raise InvalidParameter(
            "A case holds {minimum} to {maximum} units.",
            minimum=MIN_CASE_UNITS,
            maximum=MAX_CASE_UNITS,
            field="quantity",
        )
    return value


def add_case(session: Session, product: Product, barcode: str, quantity: Optional[int]) -> ProductPackaging:
    """A case of ``quantity`` units of ``product`` scanned by ``barcode``.

    Two admins adding the same barcode at once: the table's unique barcode refuses the
    second at the flush, which then reads as the same DuplicateCode. The session must then
    be rolled back (``db.transaction`` does so as the error leaves it)."""
    code, units = _barcode(barcode), _quantity(quantity)
    taken = DuplicateCode(
        "Barcode {barcode} is taken: a product or a case is already scanned by it.", barcode=code, field="barcode"
    )
    if is_product_code(session, code) or code.casefold() == product.sku.casefold():
        raise taken
    packaging = ProductPackaging(product_id=product.id, barcode=code, quantity=units)
    session.add(packaging)
    try:
        session.flush()
    except IntegrityError:
        raise taken from None
    return packaging


def remove_case(session: Session, packaging: ProductPackaging) -> None:
    """Scans already counted by the case stay counted (they keep its barcode, not a link to it)."""
    session.delete(packaging)
    session.flush()


def case_snapshot(packaging: ProductPackaging) -> dict[str, Any]:
    """What the audit log keeps of a case barcode."""
    return {"case_barcode": packaging.barcode, "units": packaging.quantity}
