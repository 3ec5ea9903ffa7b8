"""Phone or computer, from the User-Agent: a phone pays on the gateway's mobile page
(Alipay wap, WeChat Pay H5), a computer on the desktop page or by scanning a QR code."""

import re

from django.http import HttpRequest

PHONE = re.compile(r"Mobile|Android|iPhone|iPod|HarmonyOS|Windows Phone", re.IGNORECASE)


def device_of(request: HttpRequest) -> str:
    return "phone" if PHONE.search(request.headers.get("User-Agent", "")) else "desktop"
