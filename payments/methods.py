"""Alipay and WeChat Pay as payment methods of orders (orders/payments.py)."""


def register_methods() -> None:
    pass
