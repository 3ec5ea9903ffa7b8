"""What the order page and the order's email show of its payment method."""

from django import template

from orders.payments import method_for

register = template.Library()


@register.simple_tag
def transfer_details(order):
    """`{% transfer_details order as bank %}`: the account and reference to pay the order
    by bank transfer while it awaits the money, else None."""
    return method_for(order.payment_method).transfer_details(order)


@register.simple_tag
def online_payment(order):
    """`{% online_payment order as pay %}`: while an online order awaits its payment,
    {"url": the cashier, "deadline": when it closes}; else None."""
    method = method_for(order.payment_method)
    url = method.pay_url(order)
    if not url:
        return None
    return {"url": url, "deadline": method.pay_deadline(order)}


@register.simple_tag
def pay_deadline(order):
    """`{% pay_deadline order as deadline %}`: when the unpaid order closes, else None."""
    return method_for(order.payment_method).pay_deadline(order)


@register.simple_tag
def payment_facts(order):
    """`{% payment_facts order as paid %}`: how an online order was paid and what was
    refunded (payments.selectors.payment_facts), else None."""
    return method_for(order.payment_method).payment_facts(order)
