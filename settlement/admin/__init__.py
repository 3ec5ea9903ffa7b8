"""Settlement in the admin: commission rates, each shop's ledger (adjustments and
reversals), balances and statements, payout runs and their bank batch, bank accounts,
and the books check. Staff move money only through the settlement services."""

from settlement.admin import accounts, ledger, payouts, rates  # noqa: F401 (registers)
