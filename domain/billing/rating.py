"""Rating for usage-based billing: what a quantity of usage costs under a price, in minor units.

Pure: no database, no I/O, no clock.

Every model prices the *billable* quantity: the metered quantity less the price's
`included_quantity` (free units), never below zero. Nothing billable costs nothing under every
model, flat fees included.
- PER_UNIT: billable * unit_amount.
- GRADUATED: the billable quantity is split across the tiers in order, tier i covering
  (up_to of tier i-1, up_to of tier i], the first from 0, the last unbounded. Each portion is
  charged at its own tier's unit_amount, plus that tier's flat_amount when the portion is not
  empty. Under tiers (5 @ 700, 10 @ 650, ∞ @ 600), 12 units cost 5*700 + 5*650 + 2*600 = 7950.
- VOLUME: the whole billable quantity is charged at the unit_amount of the one tier it falls in
  (the first whose up_to is >= it, else the last, unbounded tier), plus that tier's flat_amount.
  Under the same tiers, 12 units cost 12*600 = 7200 and 6 units 6*650 = 3900.
- PACKAGE: units are sold in packages of package_size and a started package is charged in full:
  ceil(billable / package_size) * package_amount.
Quantities, tier bounds and package sizes may all be fractional.

Money. Amounts are minor units (cents) of a currency kept alongside. Unit prices may be fractions
of a minor unit (0.0002 cents per token), so `rate` computes with `Decimal` *exactly*: every sum
and product carries all the digits it needs, nothing is rounded, and the exact amount is
returned. An invoice line is then rounded once, by `round_minor`, to whole minor units with
ROUND_HALF_UP (half away from zero: 0.5 → 1, 2.5 → 3, -2.5 → -3), and an invoice total is the
sum of its rounded lines, so the lines shown always add up to the total. Never round partial
amounts and add them up. `prorate` scales an amount to the covered part of a period: exact when
the quotient has a finite decimal expansion (1/2, 1/8), otherwise truncated toward zero at enough
digits that `round_minor` of it equals half-up rounding of the exact fraction (1/3).

Validation. `validate` refuses an inconsistent price with `InvalidInput`, code INVALID_PRICE
(a `BillingErrorCode`), and the `field` at fault named as in the GraphQL input: model,
unitAmount, tiers, tiers[i].upTo, tiers[i].unitAmount, tiers[i].flatAmount (i counted from 0),
packageSize, packageAmount, includedQuantity. `rate` validates its price first. `parse_decimal`
reads a decimal given as text at the API.

Storage. `PriceSpec.to_json` gives a JSON-safe dict with the attribute names as keys and
decimals as strings ("0.0002"); `PriceSpec.from_json` reads it back exactly (same values, same
exponents). The codec checks shapes, not meaning: call `validate` for that.
"""

from __future__ import annotations

import decimal
import enum
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.errors import InvalidInput

INVALID_PRICE = "INVALID_PRICE"
MAX_TIERS = 20
MAX_INTEGER_DIGITS = 18

# Additions, subtractions, multiplications and integer divisions are exact under this context:
# the precision is the largest the platform allows and libmpdec only uses the digits a result
# needs. Inexact operations (true division) must never run under it; the traps make any rounding
# loud rather than silent.
_EXACT = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.Inexact],
)
# Digits kept beyond those needed to make a terminating quotient exact in `prorate`.
_PRORATE_GUARD_DIGITS = 20

# What `parse_decimal` accepts: ASCII digits with an optional point and a short exponent (a
# JavaScript client's String(0.0000001) is "1e-7"). No sign, spaces, underscores, NaN or Infinity.
_DECIMAL_TEXT = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
_MAX_DECIMAL_TEXT = 64


class PriceModel(enum.StrEnum):
    PER_UNIT = "PER_UNIT"
    GRADUATED = "GRADUATED"
    VOLUME = "VOLUME"
    PACKAGE = "PACKAGE"


@dataclass(frozen=True, slots=True)
class Tier:
    """One tier of a GRADUATED or VOLUME price. Amounts are minor units."""

    up_to: Decimal | None  # inclusive upper bound in billable units; None (unbounded) on the last tier only
    unit_amount: Decimal = Decimal(0)  # per unit
    flat_amount: Decimal = Decimal(0)  # once, when any billable quantity falls in the tier


@dataclass(frozen=True, slots=True)
class PriceSpec:
    """How a quantity of usage is charged. Amounts are minor units; see the module docstring."""

    model: PriceModel
    unit_amount: Decimal | None = None  # PER_UNIT only
    tiers: tuple[Tier, ...] = ()  # GRADUATED and VOLUME only
    package_size: Decimal | None = None  # PACKAGE only, > 0
    package_amount: Decimal | None = None  # PACKAGE only, per started package
    included_quantity: Decimal = Decimal(0)  # free units, deducted before pricing under every model

    def to_json(self) -> dict[str, Any]:
        return {
            "model": str(self.model),
            "unit_amount": _decimal_to_json(self.unit_amount),
            "tiers": [
                {
                    "up_to": _decimal_to_json(tier.up_to),
                    "unit_amount": _decimal_to_json(tier.unit_amount),
                    "flat_amount": _decimal_to_json(tier.flat_amount),
                }
                for tier in self.tiers
            ],
            "package_size": _decimal_to_json(self.package_size),
            "package_amount": _decimal_to_json(self.package_amount),
            "included_quantity": _decimal_to_json(self.included_quantity),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PriceSpec:
        """Read what `to_json` wrote. Keys may be left out where the attribute has a default, but an
        unknown key is refused (a misspelt "included_quantity" must not silently give nothing free)."""
        if not isinstance(data, dict):
            raise InvalidInput("A price must be a JSON object.", code=INVALID_PRICE)
        _refuse_unknown_keys(data, _SPEC_KEYS, prefix="")
        try:
            model = PriceModel(data["model"])
        except (KeyError, ValueError, TypeError):
            raise InvalidInput(
                f"The price model must be one of {', '.join(PriceModel)}.", code=INVALID_PRICE, field="model"
            ) from None
        raw_tiers = data.get("tiers", [])
        if not isinstance(raw_tiers, list):
            raise InvalidInput("The tiers must be a list.", code=INVALID_PRICE, field="tiers")
        tiers = []
        for index, raw in enumerate(raw_tiers):
            prefix = f"tiers[{index}]"
            if not isinstance(raw, dict):
                raise InvalidInput("A tier must be a JSON object.", code=INVALID_PRICE, field=prefix)
            _refuse_unknown_keys(raw, _TIER_KEYS, prefix=f"{prefix}.")
            if "up_to" not in raw:  # an absent bound must not silently mean "unbounded"
                raise InvalidInput(
                    "A tier needs up_to (null when unbounded).", code=INVALID_PRICE, field=f"{prefix}.upTo"
                )
            tiers.append(
                Tier(
                    up_to=_decimal_from_json(raw["up_to"], f"{prefix}.upTo"),
                    unit_amount=_required_decimal_from_json(raw, "unit_amount", f"{prefix}.unitAmount"),
                    flat_amount=_required_decimal_from_json(raw, "flat_amount", f"{prefix}.flatAmount"),
                )
            )
        return cls(
            model=model,
            unit_amount=_decimal_from_json(data.get("unit_amount"), "unitAmount"),
            tiers=tuple(tiers),
            package_size=_decimal_from_json(data.get("package_size"), "packageSize"),
            package_amount=_decimal_from_json(data.get("package_amount"), "packageAmount"),
            included_quantity=_required_decimal_from_json(data, "included_quantity", "includedQuantity"),
        )


_SPEC_KEYS = frozenset(
    {"model", "unit_amount", "tiers", "package_size", "package_amount", "included_quantity"}
)
_TIER_KEYS = frozenset({"up_to", "unit_amount", "flat_amount"})


def validate(spec: PriceSpec) -> PriceSpec:
    """Return `spec` if it is a consistent price, else raise `InvalidInput` (code INVALID_PRICE)."""
    if not isinstance(spec.model, PriceModel):
        raise _invalid("The price model is not known.", "model")
    _check_amount(spec.included_quantity, "includedQuantity")

    uses_unit_amount = spec.model is PriceModel.PER_UNIT
    uses_tiers = spec.model in (PriceModel.GRADUATED, PriceModel.VOLUME)
    uses_package = spec.model is PriceModel.PACKAGE
    _check_presence(spec.unit_amount is not None, uses_unit_amount, spec.model, "unitAmount")
    _check_presence(bool(spec.tiers), uses_tiers, spec.model, "tiers")
    _check_presence(spec.package_size is not None, uses_package, spec.model, "packageSize")
    _check_presence(spec.package_amount is not None, uses_package, spec.model, "packageAmount")

    if spec.unit_amount is not None:
        _check_amount(spec.unit_amount, "unitAmount")
    if spec.package_size is not None:
        _check_amount(spec.package_size, "packageSize")
        if spec.package_size == 0:
            raise _invalid("The package size must be greater than zero.", "packageSize")
    if spec.package_amount is not None:
        _check_amount(spec.package_amount, "packageAmount")
    if uses_tiers:
        _check_tiers(spec.tiers)
    return spec


def billable_quantity(spec: PriceSpec, quantity: Decimal) -> Decimal:
    """The quantity that is charged for: `quantity` less the included units, never below zero."""
    _check_quantity(quantity)
    with decimal.localcontext(_EXACT):
        billable = quantity - spec.included_quantity
    return billable if billable > 0 else Decimal(0)


def rate(spec: PriceSpec, quantity: Decimal) -> Decimal:
    """The exact amount, in minor units and not rounded, that `quantity` costs under `spec`.

    Validates `spec` first (`InvalidInput`); a non-finite quantity is a bug (`ValueError`).
    """
    validate(spec)
    billable = billable_quantity(spec, quantity)
    if billable == 0:
        return Decimal(0)
    with decimal.localcontext(_EXACT):
        if spec.model is PriceModel.PER_UNIT:
            assert spec.unit_amount is not None  # validated
            return billable * spec.unit_amount
        if spec.model is PriceModel.GRADUATED:
            return _graduated(spec.tiers, billable)
        if spec.model is PriceModel.VOLUME:
            return _volume(spec.tiers, billable)
        assert spec.package_size is not None  # validated
        assert spec.package_amount is not None
        packages, remainder = divmod(billable, spec.package_size)
        if remainder:
            packages += 1
        return packages * spec.package_amount


def round_minor(amount: Decimal) -> int:
    """`amount` rounded to whole minor units, halves away from zero (ROUND_HALF_UP): 0.5 → 1,
    1.4999 → 1, 2.5 → 3, -2.5 → -3. Apply once per invoice line, to the exact amount."""
    if not amount.is_finite():
        raise ValueError(f"Cannot round {amount} to minor units.")
    with decimal.localcontext(_EXACT):
        return int(amount.to_integral_value(rounding=decimal.ROUND_HALF_UP))


def prorate(amount: int | Decimal, covered_seconds: int, period_seconds: int) -> Decimal:
    """`amount` * covered / period, for a charge that covers part of its period.

    Exact whenever the quotient has a finite decimal expansion. Otherwise it is truncated toward
    zero, with at least 20 digits beyond those of the amount: every k + 1/2 is representable at
    that precision, so truncation never crosses one, and `round_minor` of the result equals
    half-up rounding of the exact fraction.
    """
    if isinstance(amount, bool) or not isinstance(amount, int | Decimal):
        raise TypeError("The amount to prorate must be an int or a Decimal.")
    if period_seconds <= 0:
        raise ValueError("The period must be longer than zero seconds.")
    if not 0 <= covered_seconds <= period_seconds:
        raise ValueError("The covered time must lie between zero and the whole period.")
    value = Decimal(amount)
    if not value.is_finite():
        raise ValueError(f"Cannot prorate {amount}.")
    if covered_seconds == period_seconds:
        return value
    with decimal.localcontext(_EXACT):
        numerator = value * covered_seconds
    if numerator == 0:
        return Decimal(0)
    # A terminating quotient c / p (c the numerator's coefficient) has at most len(c) + log2(p)
    # significant digits, and k + 1/2 needs the integer digits plus one.
    digits = max(len(numerator.as_tuple().digits), numerator.adjusted() + 2)
    context = decimal.Context(
        prec=digits + period_seconds.bit_length() + _PRORATE_GUARD_DIGITS,
        rounding=decimal.ROUND_DOWN,
        Emax=decimal.MAX_EMAX,
        Emin=decimal.MIN_EMIN,
        traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
    )
    with decimal.localcontext(context):
        return numerator / period_seconds


def parse_decimal(text: str, *, field: str, max_places: int = 12) -> Decimal:
    """Read a non-negative decimal given as text at the API ("12.5", "0.0002", "1e-7").

    At most `max_places` digits after the point (trailing zeros do not count) and 18 before it.
    The result is canonical: trailing zeros dropped, never an exponent above zero ("1.50" → 1.5,
    "1e3" → 1000). Anything else is `InvalidInput` with code INVALID_PRICE and `field`.
    """
    if not isinstance(text, str) or len(text) > _MAX_DECIMAL_TEXT or not _DECIMAL_TEXT.fullmatch(text):
        if isinstance(text, str) and text.startswith("-") and _DECIMAL_TEXT.fullmatch(text[1:]):
            raise InvalidInput(f"{field} must not be negative.", code=INVALID_PRICE, field=field)
        raise InvalidInput(
            f"{field} must be a decimal number written like 12.5 or 0.0002.", code=INVALID_PRICE, field=field
        )
    with decimal.localcontext(_EXACT):
        value = Decimal(text).normalize()
        if value == 0:
            return Decimal(0)
        if value.adjusted() >= MAX_INTEGER_DIGITS:
            raise InvalidInput(
                f"{field} must have at most {MAX_INTEGER_DIGITS} digits before the decimal point.",
                code=INVALID_PRICE,
                field=field,
            )
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)  # finite
        if -exponent > max_places:
            raise InvalidInput(
                f"{field} must have at most {max_places} digits after the decimal point.",
                code=INVALID_PRICE,
                field=field,
            )
        return value.quantize(Decimal(1)) if exponent > 0 else value


def _graduated(tiers: tuple[Tier, ...], billable: Decimal) -> Decimal:
    total = Decimal(0)
    lower = Decimal(0)
    for tier in tiers:
        upper = billable if tier.up_to is None else min(billable, tier.up_to)
        total += (upper - lower) * tier.unit_amount + tier.flat_amount
        if tier.up_to is None or billable <= tier.up_to:
            break
        lower = tier.up_to
    return total


def _volume(tiers: tuple[Tier, ...], billable: Decimal) -> Decimal:
    # The last tier is unbounded (validated), so some tier always matches.
    tier = next(tier for tier in tiers if tier.up_to is None or billable <= tier.up_to)
    return billable * tier.unit_amount + tier.flat_amount


def _check_tiers(tiers: tuple[Tier, ...]) -> None:
    if len(tiers) > MAX_TIERS:
        raise _invalid(f"A price has at most {MAX_TIERS} tiers.", "tiers")
    previous = Decimal(0)
    for index, tier in enumerate(tiers):
        field = f"tiers[{index}]"
        if not isinstance(tier, Tier):
            raise _invalid("A tier must be a Tier.", field)
        last = index == len(tiers) - 1
        if tier.up_to is None:
            if not last:
                raise _invalid("Only the last tier may be unbounded.", f"{field}.upTo")
        else:
            if last:
                raise _invalid("The last tier must be unbounded (upTo null).", f"{field}.upTo")
            _check_amount(tier.up_to, f"{field}.upTo")
            if tier.up_to <= previous:
                raise _invalid(
                    "Tier bounds must be greater than zero and strictly increasing.", f"{field}.upTo"
                )
            previous = tier.up_to
        _check_amount(tier.unit_amount, f"{field}.unitAmount")
        _check_amount(tier.flat_amount, f"{field}.flatAmount")


def _check_presence(present: bool, expected: bool, model: PriceModel, field: str) -> None:
    if present and not expected:
        raise _invalid(f"A {model} price takes no {field}.", field)
    if expected and not present:
        raise _invalid(f"A {model} price needs {field}.", field)


def _check_amount(value: object, field: str) -> None:
    # A float would carry binary rounding into money; an int is refused too, to keep one type.
    if not isinstance(value, Decimal) or not value.is_finite():
        raise _invalid(f"{field} must be a finite decimal.", field)
    if value < 0:
        raise _invalid(f"{field} must not be negative.", field)


def _check_quantity(quantity: Decimal) -> None:
    if not isinstance(quantity, Decimal) or not quantity.is_finite():
        raise ValueError(f"A quantity must be a finite Decimal, not {quantity!r}.")


def _invalid(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, code=INVALID_PRICE, field=field)


def _decimal_to_json(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal_from_json(value: object, field: str) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(f"{field} must be a decimal written as a string.", field)
    try:
        return Decimal(value)
    except decimal.InvalidOperation:
        raise _invalid(f"{field} must be a decimal written as a string.", field) from None


def _required_decimal_from_json(data: dict[str, Any], key: str, field: str) -> Decimal:
    """A decimal that has a default (0) when absent, but may not be null."""
    if key not in data:
        return Decimal(0)
    value = _decimal_from_json(data[key], field)
    if value is None:
        raise _invalid(f"{field} may not be null.", field)
    return value


def _refuse_unknown_keys(data: dict[str, Any], known: frozenset[str], *, prefix: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise _invalid(f"Unknown key {unknown[0]!r} in the price.", f"{prefix}{unknown[0]}")
