"""Alipay (python-alipay-sdk, RSA2): written in its own branch."""

from payments.gateways.base import Gateway


class AlipayGateway(Gateway):
    code = "alipay"
    PRODUCTION_URL = "https://openapi.alipay.com/gateway.do"

    def __init__(self, **config):
        self.config = config
        self.merchant_id = config["app_id"]
