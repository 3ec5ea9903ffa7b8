"""WeChat Pay API v3 (wechatpayv3, public-key mode): written in its own branch."""

from payments.gateways.base import Gateway


class WechatPayGateway(Gateway):
    code = "wechat_pay"
    PRODUCTION_URL = "https://api.mch.weixin.qq.com"

    def __init__(self, **config):
        self.config = config
        self.merchant_id = config["mchid"]
