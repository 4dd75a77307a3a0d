"""Units of stock and the conversion between what is bought and what is used.

Every product is counted in its own *stock unit* (:attr:`Product.unit`: ``ml``, ``g`` or
``piece``). A quantity may be given in that unit, in a unit of the same dimension (``l`` for a
product counted in ``ml``, ``kg`` for one counted in ``g``) or in purchase units, written
:data:`PACK`: one pack holds :attr:`Product.purchase_unit_size` stock units (a 500 ml bottle).

>>> from decimal import Decimal
>>> from salonkit.domain.catalogue import Product
>>> dye = Product(sku="DYE-6N", name="Dye 6N", unit="ml", purchase_unit_size=Decimal(60))
>>> to_stock_units(Decimal(2), PACK, dye)
Decimal('120')
>>> to_stock_units(Decimal("0.25"), "l", dye)
Decimal('250.00')
"""

from __future__ import annotations

from decimal import Decimal

from salonkit.domain.catalogue import Product
from salonkit.domain.money import to_decimal
from salonkit.errors import ValidationError

#: A purchase unit (a bottle, a tube, a box) of a product.
PACK = "pack"

#: How many base units one unit holds, and the base unit of its dimension.
_SCALE: dict[str, tuple[str, Decimal]] = {
    "ml": ("ml", Decimal(1)),
    "l": ("ml", Decimal(1000)),
    "g": ("g", Decimal(1)),
    "kg": ("g", Decimal(1000)),
    "piece": ("piece", Decimal(1)),
}


def quantity_of(value: object, field: str = "quantity") -> Decimal:
    """``value`` as a finite ``Decimal`` (floats refused), naming ``field`` in the error."""
    return to_decimal(value, field)


def factor(unit: str | None, product: Product, field: str = "unit") -> Decimal:
    """How many stock units of ``product`` one ``unit`` holds (``None`` means the stock unit)."""
    if unit is None or unit == product.unit:
        return Decimal(1)
    if unit == PACK:
        return product.purchase_unit_size
    given = _SCALE.get(unit)
    own = _SCALE[product.unit]
    if given is None or given[0] != own[0]:
        raise ValidationError(
            field, f"{unit!r} cannot be converted to {product.unit!r} for product {product.sku}"
        )
    return given[1] / own[1]


def to_stock_units(quantity: Decimal, unit: str | None, product: Product) -> Decimal:
    """``quantity`` of ``unit`` expressed in ``product``'s stock unit (exact)."""
    return quantity * factor(unit, product)


def from_stock_units(quantity: Decimal, unit: str | None, product: Product) -> Decimal:
    """``quantity`` stock units expressed in ``unit`` (the inverse of :func:`to_stock_units`)."""
    return quantity / factor(unit, product)


__all__ = ["PACK", "factor", "from_stock_units", "quantity_of", "to_stock_units"]
