"""Numbers as people write them: money with its currency and a scale, shares as percentages,
compute as a power of ten, sizes in decimal units, times with their zone.

Amounts a firm must pay or is paid print exact to the cent (EUR 69,292.83, ``cents``); the
readable scale is for aggregates.

The CLI, the HTML reports and the pages all print figures through these rules (the pages through
``dashboard/static/js/format.js``, which follows the same test vectors), so a figure reads the
same wherever it is shown: EUR 1.77 bn, 95%, 2.1 × 10^26 FLOP, 14.2 GB, 2026-12-02 20:36 UTC."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MISSING = "—"
SCALES = ((1e12, "tn"), (1e9, "bn"), (1e6, "m"))
SIGNIFICANT = 3
#: Decimal units, as storage is sold and as a deposit's size is quoted.
BYTE_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")


def _value(value: float | int | Decimal | str | None) -> float | None:
    if value is None or value == "":
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _significant(value: float, digits: int = SIGNIFICANT) -> str:
    """``value`` to ``digits`` significant digits, trailing zeros dropped (1.50 reads 1.5)."""
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def number(value: float | int | Decimal | str | None, digits: int = 2) -> str:
    """A plain figure grouped by thousands, at most ``digits`` decimals (12,345.6)."""
    figure = _value(value)
    if figure is None:
        return MISSING
    text = f"{figure:,.{digits}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in {"-0", ""} else text


def count(value: int | float | None) -> str:
    """A whole count grouped by thousands (1,871)."""
    figure = _value(value)
    return MISSING if figure is None else f"{round(figure):,}"


def count_of(value: int, noun: str, plural: str | None = None) -> str:
    """A count with its noun, singular for one: "1 deployment", "1,250 deployments"."""
    return f"{count(value)} {noun if value == 1 else plural or noun + 's'}"


def size(value: float | int | None) -> str:
    """A size in bytes in decimal units to three significant digits: 950 B, 14.2 GB, 1.5 TB."""
    figure = _value(value)
    if figure is None:
        return MISSING
    unit = 0
    while unit < len(BYTE_UNITS) - 1 and float(f"{figure:.3g}") >= 1000:
        figure /= 1000
        unit += 1
    return f"{count(figure) if unit == 0 else _significant(figure)} {BYTE_UNITS[unit]}"


def money(amount: float | int | Decimal | str | None, currency: str) -> str:
    """An amount with its currency, scaled above a million: EUR 950.25, EUR 12,345, EUR 1.77 bn."""
    figure = _value(amount)
    if figure is None:
        return MISSING
    sign = "-" if figure < 0 else ""
    size = abs(figure)
    for scale, word in SCALES:
        if round(size / scale, SIGNIFICANT) >= 1:
            return f"{currency} {sign}{_significant(size / scale)} {word}"
    text = f"{size:,.0f}" if size >= 1000 else f"{size:,.2f}"
    return f"{currency} {sign}{text}"


def cents(amount: float | int | Decimal | str | None, currency: str) -> str:
    """An amount owed or paid, exact to the cent: EUR 69,292.83, EUR 2,500.50, EUR 1,001,643.84.

    A readable scale suits an aggregate (the fund holds EUR 1.77 bn) but not a sum of money a firm
    must pay or is paid: EUR 69,293 beside EUR 180.35 reads as a wrong sum. The figure is taken
    as a decimal (text or Decimal as given; a float by its shortest repr), rounded half up."""
    if amount is None or amount == "":
        return MISSING
    try:
        figure = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return MISSING
    if not figure.is_finite():
        return MISSING
    sign = "-" if figure < 0 else ""
    return f"{currency} {sign}{abs(figure):,.2f}"


def percent(share: float | int | Decimal | str | None) -> str:
    """A share as a percentage: 0.95 → 95%, 0.999 → 99.9%, 0.00012 → 0.012%.

    At or above one per cent, one decimal at most; below, two significant digits, so a small
    probability never rounds to a misleading 0%.
    """
    figure = _value(share)
    if figure is None:
        return MISSING
    hundred = figure * 100
    if hundred == 0:
        return "0%"
    if abs(hundred) >= 1:
        return f"{number(hundred, 1)}%"
    return f"{_significant(hundred, 2)}%"


def scientific(value: float | int | Decimal | str | None) -> str:
    """A large or small figure as a power of ten: 2.1 × 10^26; ordinary sizes stay plain."""
    figure = _value(value)
    if figure is None:
        return MISSING
    if figure == 0:
        return "0"
    exponent = math.floor(math.log10(abs(figure)))
    mantissa = round(figure / 10**exponent, SIGNIFICANT - 1)
    if abs(mantissa) >= 10:  # 9.996 rounds up to the next power
        mantissa, exponent = mantissa / 10, exponent + 1
    if -3 <= exponent < 6:
        return _significant(figure) if abs(figure) < 1000 else number(figure, 0)
    return f"{_significant(mantissa)} × 10^{exponent}"


def flop(value: float | int | Decimal | str | None) -> str:
    """Training compute: 3.8 × 10^25 FLOP."""
    text = scientific(value)
    return text if text == MISSING else f"{text} FLOP"


def timestamp(value: datetime | str | None) -> str:
    """A moment in UTC to the minute, with its zone: 2026-12-02 20:36 UTC."""
    if value is None or value == "":
        return MISSING
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def seconds(value: float | None) -> str:
    """A duration: 0.42 s, 20.3 s, 2 min 5 s, 1 h 4 min."""
    figure = _value(value)
    if figure is None:
        return MISSING
    if figure < 60:
        return f"{_significant(figure)} s"
    minutes, rest = divmod(round(figure), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
