"""Money as the graph takes it (yuan, exact to the fen) and as the services keep it (integer fen)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from mesh_gateway.errors import UserError


def fen(yuan: Decimal, field: str) -> int:
    """CNY given in yuan as whole fen; a fraction of a fen is refused, never rounded (item 11's thresholds are
    exact). ``field`` is the argument as the query gives it (``input.amountYuan``)."""
    try:
        value = yuan.scaleb(2)
        if not value.is_finite() or value != value.to_integral_value():
            raise InvalidOperation
    except InvalidOperation:
        raise UserError(f"{field} must be a CNY amount exact to the fen (at most two decimals)",
                        extensions={"code": "BAD_USER_INPUT", "field": field}) from None
    return int(value)
