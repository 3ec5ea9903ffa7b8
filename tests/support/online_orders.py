"""Online orders as a shopper makes them, for the payment lifecycle's tests: checked out
through the real checkout, a payment started at the cashier, the sandbox gateway's page
opened in a browser (which is when an Alipay trade comes to exist), an address where
nothing listens (a lost notification, an unreachable gateway)."""

import socket
import uuid

import requests

from gateway_sandbox.models import SandboxTrade
from notifications.models import LanguagePreference
from orders import services as order_services
from orders.models import Cart, Order
from payments import services
from payments.models import Payment
from tests.factories import AddressFactory, ShopperFactory


def checkout(*items, payment_method: str = "alipay", shopper=None) -> Order:
    """`shopper` (a new one with an English inbox unless given) checks out
    (product, quantity) pairs, paying by `payment_method`."""
    if shopper is None:
        shopper = ShopperFactory(email=f"{uuid.uuid4().hex[:8]}@example.cn")
        LanguagePreference.objects.create(user=shopper, language="en")
    address = shopper.addresses.first() or AddressFactory(user=shopper)
    cart, _created = Cart.objects.get_or_create(user=shopper)
    for product, quantity in items:
        order_services.add_to_cart(cart, product, quantity)
    return order_services.place_order(
        cart,
        shopper=shopper,
        address=address,
        payment_method=payment_method,
        idempotency_key=uuid.uuid4().hex,
    )


def start(order: Order, gateway: str = "alipay", device: str = "phone") -> Payment:
    """The shopper chose `gateway` at the cashier on `device`; the gateway's page is opened
    (as the browser does when the cashier redirects), so the gateway holds the trade."""
    payment = services.start_payment(
        order, gateway_code=gateway, device=device, client_ip="127.0.0.1"
    )
    open_page(payment).raise_for_status()
    return payment


def open_page(payment: Payment) -> requests.Response:
    """The sandbox gateway's page of `payment` as the shopper's browser shows it."""
    return requests.get(payment.qr_text or payment.resume_url, timeout=10)


def trade_of(payment: Payment) -> SandboxTrade:
    """What the sandbox gateway holds of `payment`."""
    return SandboxTrade.objects.get(trade_number=payment.trade_number)


def dead_url() -> str:
    """The address of a port on this machine where nothing listens (connections refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
