"""CNY inside, fen at the gateways' boundary."""

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")


def to_fen(amount: Decimal) -> int:
    """¥12.30 → 1230. Amounts inside have two decimals; anything finer is a bug."""
    if amount != amount.quantize(FEN):
        raise ValueError(f"{amount} has more than two decimals")
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


def from_fen(fen: int) -> Decimal:
    """1230 → Decimal("12.30")."""
    return (Decimal(int(fen)) / 100).quantize(FEN)


def yuan_text(amount: Decimal) -> str:
    """Alipay's amounts: "12.30", two decimals, in yuan."""
    return f"{amount.quantize(FEN):.2f}"


def parse_yuan(text: str) -> int:
    """Alipay's "12.30" → 1230 fen; ValueError for anything else."""
    value = Decimal(str(text).strip())
    if not value.is_finite() or value != value.quantize(FEN) or value < 0:
        raise ValueError(f"not an amount in yuan: {text!r}")
    return to_fen(value)
