"""After-sales steps, each one transaction (see each module)."""

from aftersales.services.opening import open_request
from aftersales.services.shop import approve, approve_return, confirm_returned, offer, refuse
from aftersales.services.shopper import accept_offer, escalate, send_return, withdraw
from aftersales.services.staff import decide
from aftersales.services.sweeps import sweep_due_requests

__all__ = [
    "accept_offer",
    "approve",
    "approve_return",
    "confirm_returned",
    "decide",
    "escalate",
    "offer",
    "open_request",
    "refuse",
    "send_return",
    "sweep_due_requests",
    "withdraw",
]
