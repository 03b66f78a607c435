"""The pure rating module: hand-computed examples, every validation failure, and property tests
against oracles written differently (exact `Fraction` arithmetic, unit-by-unit loops, reverse
scans, repeated subtraction)."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.billing.rating import (
    MAX_TIERS,
    PriceModel,
    PriceSpec,
    Tier,
    billable_quantity,
    parse_decimal,
    prorate,
    rate,
    round_minor,
    validate,
)
from domain.errors import InvalidInput

D = Decimal
PROPERTY = settings(max_examples=200, deadline=None, database=None)
CODEC = settings(max_examples=100, deadline=None, database=None)

# Stripe-style tiers, in cents: units 1-5 at $7, 6-10 at $6.50, 11+ at $6.
STRIPE_TIERS = (
    Tier(up_to=D(5), unit_amount=D(700)),
    Tier(up_to=D(10), unit_amount=D(650)),
    Tier(None, D(600)),
)


def per_unit(unit_amount: str, included: str = "0") -> PriceSpec:
    return PriceSpec(PriceModel.PER_UNIT, unit_amount=D(unit_amount), included_quantity=D(included))


def package(size: str, amount: str, included: str = "0") -> PriceSpec:
    return PriceSpec(
        PriceModel.PACKAGE, package_size=D(size), package_amount=D(amount), included_quantity=D(included)
    )


# ---------------------------------------------------------------------------------------------
# Examples, computed by hand


@pytest.mark.parametrize(
    ("spec", "quantity", "expected"),
    [
        (per_unit("0.0002"), "1234567", "246.9134"),
        (per_unit("0.0002", included="1000000"), "1234567", "46.9134"),
        (per_unit("0.0002", included="1000000"), "1000000", "0"),
        (per_unit("0.0002", included="1000000"), "999999", "0"),
        (per_unit("12.5"), "2.5", "31.25"),
        (per_unit("0"), "1000", "0"),
        (per_unit("3"), "0", "0"),
    ],
)
def test_per_unit(spec: PriceSpec, quantity: str, expected: str) -> None:
    assert rate(spec, D(quantity)) == D(expected)


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ("0", 0),
        ("1", 700),
        ("5", 3500),
        ("6", 3500 + 650),
        ("10", 3500 + 3250),
        ("12", 3500 + 3250 + 2 * 600),  # Stripe's graduated example shape: 7950
        ("5.5", Decimal("3500") + Decimal("0.5") * 650),
        ("10.000001", Decimal("6750") + Decimal("0.000001") * 600),
    ],
)
def test_graduated_stripe_style(quantity: str, expected: int | Decimal) -> None:
    spec = PriceSpec(PriceModel.GRADUATED, tiers=STRIPE_TIERS)
    assert rate(spec, D(quantity)) == expected


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ("0", 0),
        ("1", 700),
        ("5", 5 * 700),
        ("6", 6 * 650),  # the whole quantity moves to the cheaper tier
        ("10", 10 * 650),
        ("12", 12 * 600),
        ("5.000001", Decimal("5.000001") * 650),
    ],
)
def test_volume_stripe_style(quantity: str, expected: int | Decimal) -> None:
    spec = PriceSpec(PriceModel.VOLUME, tiers=STRIPE_TIERS)
    assert rate(spec, D(quantity)) == expected


def test_graduated_flat_amounts_are_charged_once_per_touched_tier() -> None:
    # Stripe's "flat fee and per unit" shape: $10 for the first 100 units plus 2c each; then 1c each
    # plus a $5 step fee.
    spec = PriceSpec(
        PriceModel.GRADUATED,
        tiers=(
            Tier(D(100), unit_amount=D(2), flat_amount=D(1000)),
            Tier(None, unit_amount=D(1), flat_amount=D(500)),
        ),
    )
    assert rate(spec, D(0)) == 0  # nothing used: no flat fee either
    assert rate(spec, D(1)) == 1000 + 2
    assert rate(spec, D(100)) == 1000 + 200
    assert rate(spec, D(101)) == 1000 + 200 + 500 + 1
    assert rate(spec, D(250)) == 1000 + 200 + 500 + 150


def test_graduated_included_quantity_is_deducted_before_the_tiers() -> None:
    spec = PriceSpec(PriceModel.GRADUATED, tiers=STRIPE_TIERS, included_quantity=D(3))
    assert billable_quantity(spec, D(12)) == 9
    assert rate(spec, D(12)) == 5 * 700 + 4 * 650
    assert rate(spec, D(3)) == 0
    assert rate(spec, D("3.5")) == 350


def test_volume_flat_amount_and_included_quantity() -> None:
    spec = PriceSpec(
        PriceModel.VOLUME,
        tiers=(Tier(D(1000), D("0.5"), flat_amount=D(200)), Tier(None, D("0.25"), flat_amount=D(100))),
        included_quantity=D(100),
    )
    assert rate(spec, D(100)) == 0
    assert rate(spec, D(600)) == 500 * D("0.5") + 200
    assert rate(spec, D(1100)) == 1000 * D("0.5") + 200  # billable 1000 is still in the first tier
    assert rate(spec, D(1101)) == 1001 * D("0.25") + 100


@pytest.mark.parametrize(
    ("spec", "quantity", "expected"),
    [
        (package("1000", "50"), "0", 0),
        (package("1000", "50"), "1", 50),
        (package("1000", "50"), "999.999", 50),
        (package("1000", "50"), "1000", 50),
        (package("1000", "50"), "1000.000001", 100),
        (package("1000", "50"), "2001", 150),
        (package("1000", "50", included="100"), "1100", 50),
        (package("1000", "50", included="100"), "1100.5", 100),
        (package("1000", "50", included="100"), "100", 0),
        (package("0.5", "3"), "1.2", 9),
        (package("2.5", "0.01"), "5", D("0.02")),
    ],
)
def test_package_charges_every_started_package(
    spec: PriceSpec, quantity: str, expected: int | Decimal
) -> None:
    assert rate(spec, D(quantity)) == expected


@pytest.mark.parametrize("model", list(PriceModel))
def test_zero_quantity_costs_nothing_under_every_model(model: PriceModel) -> None:
    flat_tiers = (Tier(D(10), D(1), D(999)), Tier(None, D(1), D(999)))
    spec = {
        PriceModel.PER_UNIT: per_unit("5"),
        PriceModel.GRADUATED: PriceSpec(model, tiers=flat_tiers),
        PriceModel.VOLUME: PriceSpec(model, tiers=flat_tiers),
        PriceModel.PACKAGE: package("10", "999"),
    }[model]
    assert rate(spec, D(0)) == 0
    assert rate(spec, D(-5)) == 0  # negative usage never turns into a credit


def test_rate_is_exact_beyond_the_default_decimal_precision() -> None:
    # 30 + 13 significant digits: the default 28-digit context would round the product.
    spec = per_unit("1.000000000001")
    quantity = D("123456789012345678.123456789012")
    amount = rate(spec, quantity)
    assert amount == D("123456789012469134.912469134690123456789012")
    assert Fraction(amount) == Fraction(quantity) * Fraction(spec.unit_amount or 0)


def test_rate_refuses_an_invalid_spec_and_a_non_finite_quantity() -> None:
    with pytest.raises(InvalidInput):
        rate(PriceSpec(PriceModel.PER_UNIT), D(1))
    with pytest.raises(ValueError, match="finite"):
        rate(per_unit("1"), D("NaN"))
    with pytest.raises(ValueError, match="finite"):
        billable_quantity(per_unit("1"), D("Infinity"))


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0", 0),
        ("0.5", 1),
        ("0.4999999999", 0),
        ("1.4999", 1),
        ("1.5", 2),
        ("2.5", 3),
        ("246.9134", 247),
        ("46.9134", 47),
        ("0.0001", 0),
        ("-2.5", -3),
        ("-0.4", 0),
        ("123456789012345678901234567890.5", 123456789012345678901234567891),
    ],
)
def test_round_minor_rounds_half_up(amount: str, expected: int) -> None:
    rounded = round_minor(D(amount))
    assert rounded == expected
    assert type(rounded) is int


def test_round_minor_refuses_non_finite() -> None:
    with pytest.raises(ValueError, match="round"):
        round_minor(D("NaN"))


@pytest.mark.parametrize(
    ("amount", "covered", "period", "expected"),
    [
        (3000, 15 * 86400, 30 * 86400, D(1500)),
        (1000, 0, 3, D(0)),
        (1000, 3, 3, D(1000)),
        (D("0.0002"), 1, 2, D("0.0001")),
        (1, 1, 8, D("0.125")),
        (999, 1, 2**40, Fraction(999, 2**40)),  # terminating after 40 decimals: still exact
    ],
)
def test_prorate_exact(
    amount: int | Decimal, covered: int, period: int, expected: Decimal | Fraction
) -> None:
    assert Fraction(prorate(amount, covered, period)) == Fraction(expected)


def test_prorate_non_terminating_rounds_like_the_exact_fraction() -> None:
    assert round_minor(prorate(1000, 1, 3)) == 333
    assert round_minor(prorate(1000, 2, 3)) == 667
    assert round_minor(prorate(3, 1, 6)) == 1  # 0.5 exactly
    third = prorate(1, 1, 3)
    assert third < Fraction(1, 3) and Fraction(1, 3) - Fraction(third) < Fraction(1, 10**20)


@pytest.mark.parametrize(
    ("covered", "period"),
    [(-1, 10), (11, 10), (0, 0), (1, -1)],
)
def test_prorate_refuses_impossible_periods(covered: int, period: int) -> None:
    with pytest.raises(ValueError, match="period"):
        prorate(100, covered, period)


# ---------------------------------------------------------------------------------------------
# Validation: every failure names its field


def tiers_of(*bounds: str | None, unit: str = "1", flat: str = "0") -> tuple[Tier, ...]:
    return tuple(Tier(None if b is None else D(b), D(unit), D(flat)) for b in bounds)


TWO_TIERS = tiers_of("10", None)

INVALID_SPECS: list[Any] = [
    # fields missing or extra for the model
    pytest.param(PriceSpec(PriceModel.PER_UNIT), "unitAmount", id="per-unit-without-unit-amount"),
    pytest.param(PriceSpec(PriceModel.PER_UNIT, D(1), tiers=TWO_TIERS), "tiers", id="per-unit-with-tiers"),
    pytest.param(PriceSpec(PriceModel.PER_UNIT, D(1), package_size=D(1)), "packageSize", id="per-unit-size"),
    pytest.param(
        PriceSpec(PriceModel.PER_UNIT, D(1), package_amount=D(1)), "packageAmount", id="per-unit-pkg"
    ),
    pytest.param(PriceSpec(PriceModel.GRADUATED), "tiers", id="graduated-without-tiers"),
    pytest.param(PriceSpec(PriceModel.VOLUME, tiers=()), "tiers", id="volume-without-tiers"),
    pytest.param(
        PriceSpec(PriceModel.GRADUATED, D(1), tiers=TWO_TIERS), "unitAmount", id="graduated-with-unit-amount"
    ),
    pytest.param(
        PriceSpec(PriceModel.VOLUME, tiers=TWO_TIERS, package_size=D(5)), "packageSize", id="volume-with-size"
    ),
    pytest.param(
        PriceSpec(PriceModel.PACKAGE, package_amount=D(5)), "packageSize", id="package-without-size"
    ),
    pytest.param(
        PriceSpec(PriceModel.PACKAGE, package_size=D(5)), "packageAmount", id="package-without-amount"
    ),
    pytest.param(
        PriceSpec(PriceModel.PACKAGE, package_size=D(5), package_amount=D(1), tiers=TWO_TIERS),
        "tiers",
        id="package-with-tiers",
    ),
    pytest.param(
        PriceSpec(PriceModel.PACKAGE, D(1), package_size=D(5), package_amount=D(1)),
        "unitAmount",
        id="package-with-unit-amount",
    ),
    # negative amounts
    pytest.param(per_unit("-0.01"), "unitAmount", id="negative-unit-amount"),
    pytest.param(package("10", "-1"), "packageAmount", id="negative-package-amount"),
    pytest.param(per_unit("1", included="-1"), "includedQuantity", id="negative-included"),
    pytest.param(
        PriceSpec(PriceModel.GRADUATED, tiers=(Tier(D(10), D(1)), Tier(None, D(-1)))),
        "tiers[1].unitAmount",
        id="negative-tier-unit-amount",
    ),
    pytest.param(
        PriceSpec(PriceModel.VOLUME, tiers=(Tier(D(10), D(1), D(-5)), Tier(None, D(1)))),
        "tiers[0].flatAmount",
        id="negative-tier-flat-amount",
    ),
    pytest.param(
        PriceSpec(PriceModel.GRADUATED, tiers=tiers_of("-1", None)), "tiers[0].upTo", id="negative-upto"
    ),
    # tier bounds
    pytest.param(PriceSpec(PriceModel.GRADUATED, tiers=tiers_of("0", None)), "tiers[0].upTo", id="zero-upto"),
    pytest.param(
        PriceSpec(PriceModel.GRADUATED, tiers=tiers_of("5", "10", "10", None)),
        "tiers[2].upTo",
        id="equal-bounds",
    ),
    pytest.param(
        PriceSpec(PriceModel.VOLUME, tiers=tiers_of("10", "5", None)), "tiers[1].upTo", id="decreasing-bounds"
    ),
    pytest.param(
        PriceSpec(PriceModel.GRADUATED, tiers=tiers_of(None, "10", None)),
        "tiers[0].upTo",
        id="unbounded-not-last",
    ),
    pytest.param(PriceSpec(PriceModel.VOLUME, tiers=tiers_of("5", "10")), "tiers[1].upTo", id="last-bounded"),
    pytest.param(PriceSpec(PriceModel.GRADUATED, tiers=tiers_of("5")), "tiers[0].upTo", id="single-bounded"),
    pytest.param(
        PriceSpec(PriceModel.GRADUATED, tiers=tiers_of(*[str(n) for n in range(1, MAX_TIERS + 1)], None)),
        "tiers",
        id="too-many-tiers",
    ),
    # package size
    pytest.param(package("0", "5"), "packageSize", id="zero-package-size"),
    pytest.param(package("-1", "5"), "packageSize", id="negative-package-size"),
    # non-finite and non-decimal values
    pytest.param(per_unit("NaN"), "unitAmount", id="nan-unit-amount"),
    pytest.param(per_unit("1", included="Infinity"), "includedQuantity", id="infinite-included"),
    pytest.param(package("Infinity", "1"), "packageSize", id="infinite-package-size"),
    pytest.param(package("1", "sNaN"), "packageAmount", id="snan-package-amount"),
    pytest.param(
        PriceSpec(PriceModel.GRADUATED, tiers=tiers_of("Infinity", None)), "tiers[0].upTo", id="infinite-upto"
    ),
    pytest.param(
        PriceSpec(PriceModel.VOLUME, tiers=tiers_of("5", None, unit="NaN")),
        "tiers[0].unitAmount",
        id="nan-tier",
    ),
    pytest.param(PriceSpec(PriceModel.PER_UNIT, unit_amount=0.1), "unitAmount", id="float-unit-amount"),  # type: ignore[arg-type]
    pytest.param(PriceSpec("FLAT"), "model", id="unknown-model"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("spec", "field"), INVALID_SPECS)
def test_validate_refuses(spec: PriceSpec, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate(spec)
    assert (caught.value.code, caught.value.field) == ("INVALID_PRICE", field)


def test_validate_accepts_and_returns_valid_specs() -> None:
    for spec in [
        per_unit("0.0002", included="1000"),
        per_unit("0"),
        PriceSpec(PriceModel.GRADUATED, tiers=STRIPE_TIERS),
        PriceSpec(PriceModel.VOLUME, tiers=(Tier(None, D(3)),)),
        PriceSpec(PriceModel.GRADUATED, tiers=tiers_of(*[str(n) for n in range(1, MAX_TIERS)], None)),
        PriceSpec(PriceModel.VOLUME, tiers=tiers_of("0.5", "0.75", None)),
        package("0.001", "0"),
    ]:
        assert validate(spec) is spec


# ---------------------------------------------------------------------------------------------
# parse_decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.0002", "0.0002"),
        ("12.5", "12.5"),
        ("1.50", "1.5"),
        ("100", "100"),
        ("1e3", "1000"),
        ("1e-7", "0.0000001"),
        ("0", "0"),
        ("0.000", "0"),
        (".5", "0.5"),
        ("5.", "5"),
        ("999999999999999999.999999999999", "999999999999999999.999999999999"),
        ("0.100000000000000", "0.1"),  # trailing zeros do not count as places
    ],
)
def test_parse_decimal_accepts(text: str, expected: str) -> None:
    value = parse_decimal(text, field="unitAmount")
    assert value == D(expected)
    assert str(value) == str(D(expected))  # canonical: no trailing zeros, no positive exponent
    assert value.as_tuple().exponent <= 0  # type: ignore[operator]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "-1",
        "-0",
        "NaN",
        "Infinity",
        "inf",
        "abc",
        "1,5",
        "1_000",
        " 1",
        "1 ",
        "+1",
        "١٢",  # Arabic-Indic digits, which Decimal itself would accept
        "0.0000000000001",  # 13 places
        "1000000000000000000",  # 19 integer digits
        "1e18",
        "1e-13",
        "1e9999",
        "1" * 65,
    ],
)
def test_parse_decimal_refuses(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_decimal(text, field="tiers[1].unitAmount")
    assert (caught.value.code, caught.value.field) == ("INVALID_PRICE", "tiers[1].unitAmount")


def test_parse_decimal_max_places() -> None:
    assert parse_decimal("0.123456", field="q", max_places=6) == D("0.123456")
    with pytest.raises(InvalidInput, match="at most 6 digits after"):
        parse_decimal("0.1234567", field="q", max_places=6)
    assert parse_decimal("7.000000", field="q", max_places=0) == 7


# ---------------------------------------------------------------------------------------------
# JSON


def test_to_json_shape() -> None:
    spec = PriceSpec(
        PriceModel.GRADUATED,
        tiers=(Tier(D("100"), D("0.0002"), D("1.50")), Tier(None, D("0.0001"))),
        included_quantity=D(5),
    )
    assert spec.to_json() == {
        "model": "GRADUATED",
        "unit_amount": None,
        "tiers": [
            {"up_to": "100", "unit_amount": "0.0002", "flat_amount": "1.50"},
            {"up_to": None, "unit_amount": "0.0001", "flat_amount": "0"},
        ],
        "package_size": None,
        "package_amount": None,
        "included_quantity": "5",
    }


def test_from_json_defaults_absent_keys() -> None:
    assert PriceSpec.from_json({"model": "PER_UNIT", "unit_amount": "0.0002"}) == per_unit("0.0002")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"model": "FLAT"}, "model"),
        ({}, "model"),
        ({"model": "PER_UNIT", "unit_amount": "1", "included": "5"}, "included"),
        ({"model": "PER_UNIT", "unit_amount": 0.1}, "unitAmount"),
        ({"model": "PER_UNIT", "unit_amount": "one"}, "unitAmount"),
        ({"model": "PER_UNIT", "unit_amount": "1", "included_quantity": None}, "includedQuantity"),
        ({"model": "VOLUME", "tiers": {"up_to": None}}, "tiers"),
        ({"model": "VOLUME", "tiers": ["x"]}, "tiers[0]"),
        ({"model": "VOLUME", "tiers": [{"unit_amount": "1"}]}, "tiers[0].upTo"),
        ({"model": "VOLUME", "tiers": [{"up_to": None, "price": "1"}]}, "tiers[0].price"),
        ({"model": "VOLUME", "tiers": [{"up_to": None, "flat_amount": None}]}, "tiers[0].flatAmount"),
    ],
)
def test_from_json_refuses_malformed_data(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        PriceSpec.from_json(data)
    assert (caught.value.code, caught.value.field) == ("INVALID_PRICE", field)


# ---------------------------------------------------------------------------------------------
# Strategies


def decimals(max_value: int, max_places: int, *, min_value: int = 0) -> st.SearchStrategy[Decimal]:
    """Decimals in [min_value, max_value] with 0..max_places fractional digits, as written."""

    def build(places: int, scaled: int) -> Decimal:
        # From text: exact at any length, unlike arithmetic in the default 28-digit context.
        return Decimal(f"{scaled // 10 ** (max_places - places)}E-{places}")

    # One flat draw rather than a flatmap: building strategies per example is slow.
    return st.builds(
        build, st.integers(0, max_places), st.integers(min_value * 10**max_places, max_value * 10**max_places)
    )


amounts = st.one_of(st.just(D(0)), decimals(1000, 6), decimals(2, 8))
quantities = st.one_of(st.integers(0, 2000).map(Decimal), decimals(2000, 6))
integer_quantities = st.integers(0, 2000).map(Decimal)


@st.composite
def tier_tuples(draw: st.DrawFn, *, integer_bounds: bool = False) -> tuple[Tier, ...]:
    count = draw(st.one_of(st.integers(1, 5), st.just(MAX_TIERS)))  # the maximum now and then
    bound = (
        st.integers(1, 2500).map(Decimal) if integer_bounds else decimals(2500, 4, min_value=0).filter(bool)
    )
    bounds = sorted(draw(st.sets(bound, min_size=count - 1, max_size=count - 1)))
    return tuple(
        Tier(up_to, unit_amount=draw(amounts), flat_amount=draw(st.one_of(st.just(D(0)), amounts)))
        for up_to in [*bounds, None]
    )


@st.composite
def price_specs(
    draw: st.DrawFn, *, models: tuple[PriceModel, ...] = tuple(PriceModel), integer_bounds: bool = False
) -> PriceSpec:
    model = draw(st.sampled_from(models))
    included = draw(
        st.one_of(
            st.just(D(0)),
            integer_quantities if integer_bounds else decimals(300, 3),
            st.integers(0, 50).map(D),
        )
    )
    if model is PriceModel.PER_UNIT:
        return PriceSpec(model, unit_amount=draw(amounts), included_quantity=included)
    if model is PriceModel.PACKAGE:
        size = draw(decimals(500, 3, min_value=1))  # >= 1 keeps the subtraction oracle short
        return PriceSpec(model, package_size=size, package_amount=draw(amounts), included_quantity=included)
    return PriceSpec(
        model, tiers=draw(tier_tuples(integer_bounds=integer_bounds)), included_quantity=included
    )


# ---------------------------------------------------------------------------------------------
# Oracles: Fraction arithmetic, written differently from the implementation


def oracle_billable(spec: PriceSpec, quantity: Decimal) -> Fraction:
    billable = Fraction(quantity) - Fraction(spec.included_quantity)
    return billable if billable > 0 else Fraction(0)


def oracle_graduated_unit_by_unit(spec: PriceSpec, quantity: int) -> Fraction:
    """Integer quantities and bounds: find each unit's tier, one unit at a time."""
    billable = max(0, quantity - int(spec.included_quantity))
    bounds = [None if tier.up_to is None else int(tier.up_to) for tier in spec.tiers]
    units_in_tier = [0] * len(spec.tiers)
    for unit in range(1, billable + 1):
        index = 0
        while (bound := bounds[index]) is not None and unit > bound:
            index += 1
        units_in_tier[index] += 1
    return sum(
        (
            units * Fraction(tier.unit_amount) + (Fraction(tier.flat_amount) if units else 0)
            for tier, units in zip(spec.tiers, units_in_tier, strict=True)
        ),
        Fraction(0),
    )


def oracle_graduated_overlap(spec: PriceSpec, quantity: Decimal) -> Fraction:
    """Any quantity: each tier charges the length of (lower, upper] ∩ (0, billable]."""
    billable = oracle_billable(spec, quantity)
    uppers = [None if tier.up_to is None else Fraction(tier.up_to) for tier in spec.tiers]
    lowers = [Fraction(0), *uppers[:-1]]
    total = Fraction(0)
    for tier, lower, upper in zip(spec.tiers, lowers, uppers, strict=True):
        assert lower is not None
        overlap = (billable if upper is None else min(billable, upper)) - lower
        if overlap > 0:
            total += overlap * Fraction(tier.unit_amount) + Fraction(tier.flat_amount)
    return total


def oracle_volume(spec: PriceSpec, quantity: Decimal) -> Fraction:
    """Scan from the last tier back to the first; the last tier that still holds the quantity wins."""
    billable = oracle_billable(spec, quantity)
    if billable == 0:
        return Fraction(0)
    chosen = spec.tiers[-1]
    for tier in reversed(spec.tiers[:-1]):
        if tier.up_to is not None and billable <= Fraction(tier.up_to):
            chosen = tier
    return billable * Fraction(chosen.unit_amount) + Fraction(chosen.flat_amount)


def oracle_package(spec: PriceSpec, quantity: Decimal) -> Fraction:
    """Take whole packages off the remaining quantity until nothing is left."""
    assert spec.package_size is not None and spec.package_amount is not None
    remaining = oracle_billable(spec, quantity)
    packages = 0
    while remaining > 0:
        remaining -= Fraction(spec.package_size)
        packages += 1
    return packages * Fraction(spec.package_amount)


def oracle(spec: PriceSpec, quantity: Decimal) -> Fraction:
    if spec.model is PriceModel.PER_UNIT:
        assert spec.unit_amount is not None
        return oracle_billable(spec, quantity) * Fraction(spec.unit_amount)
    if spec.model is PriceModel.GRADUATED:
        return oracle_graduated_overlap(spec, quantity)
    if spec.model is PriceModel.VOLUME:
        return oracle_volume(spec, quantity)
    return oracle_package(spec, quantity)


# ---------------------------------------------------------------------------------------------
# Properties


@PROPERTY
@given(spec=price_specs(), quantity=quantities)
def test_rate_matches_the_oracle(spec: PriceSpec, quantity: Decimal) -> None:
    assert Fraction(rate(spec, quantity)) == oracle(spec, quantity)


@PROPERTY
@given(spec=price_specs(models=(PriceModel.GRADUATED,), integer_bounds=True), quantity=integer_quantities)
def test_graduated_matches_unit_by_unit(spec: PriceSpec, quantity: Decimal) -> None:
    assert Fraction(rate(spec, quantity)) == oracle_graduated_unit_by_unit(spec, int(quantity))


@PROPERTY
@given(
    spec=price_specs(models=(PriceModel.PACKAGE,)),
    quantity=st.one_of(quantities, decimals(10**9, 6)),
)
def test_package_is_a_ceiling(spec: PriceSpec, quantity: Decimal) -> None:
    assert spec.package_size is not None and spec.package_amount is not None
    billable = oracle_billable(spec, quantity)
    ceiling = -(-billable // Fraction(spec.package_size))
    assert Fraction(rate(spec, quantity)) == ceiling * Fraction(spec.package_amount)


@PROPERTY
@given(
    spec=price_specs(models=(PriceModel.PER_UNIT, PriceModel.GRADUATED, PriceModel.PACKAGE)),
    first=quantities,
    second=quantities,
)
def test_rate_is_monotone(spec: PriceSpec, first: Decimal, second: Decimal) -> None:
    low, high = sorted((first, second))
    assert rate(spec, low) <= rate(spec, high)


@PROPERTY
@given(spec=price_specs(), data=st.data())
def test_nothing_is_charged_up_to_the_included_quantity(spec: PriceSpec, data: st.DataObject) -> None:
    quantity = data.draw(st.one_of(st.just(spec.included_quantity), decimals(300, 6)))
    if quantity <= spec.included_quantity:
        assert rate(spec, quantity) == 0
        assert billable_quantity(spec, quantity) == 0
    else:
        assert billable_quantity(spec, quantity) == quantity - spec.included_quantity


@PROPERTY
@given(unit_amount=amounts, flat=amounts, included=decimals(300, 3), quantity=quantities)
def test_graduated_with_one_unbounded_tier_is_per_unit(
    unit_amount: Decimal, flat: Decimal, included: Decimal, quantity: Decimal
) -> None:
    plain = PriceSpec(PriceModel.GRADUATED, tiers=(Tier(None, unit_amount),), included_quantity=included)
    flat_fee = PriceSpec(
        PriceModel.GRADUATED, tiers=(Tier(None, unit_amount, flat),), included_quantity=included
    )
    unit = PriceSpec(PriceModel.PER_UNIT, unit_amount=unit_amount, included_quantity=included)
    assert rate(plain, quantity) == rate(unit, quantity)
    volume = PriceSpec(PriceModel.VOLUME, tiers=(Tier(None, unit_amount),), included_quantity=included)
    assert rate(volume, quantity) == rate(unit, quantity)
    expected_flat = Fraction(flat) if quantity > included else 0
    assert Fraction(rate(flat_fee, quantity)) == Fraction(rate(unit, quantity)) + expected_flat


@PROPERTY
@given(amount=st.one_of(decimals(10**6, 8), decimals(10**20, 12), st.integers(-(10**6), 10**6).map(D)))
def test_round_minor_is_within_half_a_unit(amount: Decimal) -> None:
    rounded = round_minor(amount)
    distance = abs(Fraction(rounded) - Fraction(amount))
    assert distance <= Fraction(1, 2)
    if distance == Fraction(1, 2):  # halves go away from zero
        assert abs(rounded) > abs(Fraction(amount))


@PROPERTY
@given(
    amount=st.one_of(st.integers(0, 10**12), decimals(10**9, 12)),
    period=st.integers(1, 400 * 86400),
    data=st.data(),
)
def test_prorate_rounds_like_the_exact_fraction(
    amount: int | Decimal, period: int, data: st.DataObject
) -> None:
    covered = data.draw(st.integers(0, period))
    exact = Fraction(amount) * covered / period
    prorated = prorate(amount, covered, period)
    assert Fraction(prorated) <= exact and exact - Fraction(prorated) < Fraction(1, 10**20)
    half_up = int(exact + Fraction(1, 2)) if exact >= 0 else -int(-exact + Fraction(1, 2))
    assert round_minor(prorated) == half_up


@CODEC
@given(spec=price_specs())
def test_valid_specs_round_trip_through_json(spec: PriceSpec) -> None:
    data = json.loads(json.dumps(spec.to_json()))
    restored = PriceSpec.from_json(data)
    assert restored == spec
    assert restored.to_json() == spec.to_json()  # same digits and exponents, not only equal values
    assert validate(restored) is restored


any_decimal = st.decimals(allow_nan=False, allow_infinity=False)
optional_decimal = st.one_of(st.none(), any_decimal)


@CODEC
@given(
    model=st.sampled_from(PriceModel),
    unit_amount=optional_decimal,
    tiers=st.lists(st.builds(Tier, optional_decimal, any_decimal, any_decimal), max_size=4).map(tuple),
    package_size=optional_decimal,
    package_amount=optional_decimal,
    included=any_decimal,
)
def test_any_spec_round_trips_through_json_exactly(
    model: PriceModel,
    unit_amount: Decimal | None,
    tiers: tuple[Tier, ...],
    package_size: Decimal | None,
    package_amount: Decimal | None,
    included: Decimal,
) -> None:
    spec = PriceSpec(model, unit_amount, tiers, package_size, package_amount, included)
    data = spec.to_json()
    assert json.loads(json.dumps(data)) == data
    restored = PriceSpec.from_json(data)
    assert restored == spec
    assert restored.to_json() == data
