"""What the store does with online payments; each function says its transactions.

`from payments import services; services.start_payment(...)`: the public names of the
modules below, re-exported here.
"""

from payments.services.closing import (
    Closing,
    close_abandoned_payments,
    close_overdue_order,
    close_overdue_orders,
    close_pending_payments,
    overdue_orders,
)
from payments.services.confirming import (
    Outcome,
    check_pending_payments,
    handle_notification,
    record_payment,
    sync_order_payments,
    sync_payment,
)
from payments.services.refunds import (
    MORE_THAN_PAID,
    NOTHING_PAID,
    process_refund,
    record_refund_answer,
    refund_cancelled_parts,
    refund_order,
    refund_payment,
    retry_pending_refunds,
)
from payments.services.starting import (
    GATEWAY_UNAVAILABLE,
    NOT_AWAITING_PAYMENT,
    TIME_IS_UP,
    amount_due,
    pay_deadline,
    start_payment,
)

__all__ = [
    "GATEWAY_UNAVAILABLE",
    "MORE_THAN_PAID",
    "NOTHING_PAID",
    "NOT_AWAITING_PAYMENT",
    "TIME_IS_UP",
    "Closing",
    "Outcome",
    "amount_due",
    "check_pending_payments",
    "close_abandoned_payments",
    "close_overdue_order",
    "close_overdue_orders",
    "close_pending_payments",
    "handle_notification",
    "overdue_orders",
    "pay_deadline",
    "process_refund",
    "record_payment",
    "record_refund_answer",
    "refund_cancelled_parts",
    "refund_order",
    "refund_payment",
    "retry_pending_refunds",
    "start_payment",
    "sync_order_payments",
    "sync_payment",
]
