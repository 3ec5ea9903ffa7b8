"""Paying through the sandbox gateway over HTTP, as a shopper's browser would: the
gateway's page opened, its Pay (or Cancel) button pressed. Used with pytest-django's
`live_server` and `sandbox_site` (tests/conftest.py)."""

import re
from urllib.parse import urljoin

import requests

from payments.models import Payment

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def press(url: str, action: str = "pay") -> requests.Response:
    """Open a sandbox cashier page (following the gateway's redirects) and press its
    button: "pay" or "cancel". Returns the answer (redirects not followed)."""
    session = requests.Session()
    page = session.get(url, timeout=10)
    page.raise_for_status()
    token = CSRF.search(page.text)
    assert token, f"no form on {page.url}: {page.text[:300]}"
    return session.post(
        page.url,
        data={"csrfmiddlewaretoken": token.group(1), "action": action},
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=10,
    )


def pay_in_sandbox(payment: Payment, action: str = "pay") -> requests.Response:
    """The shopper pays `payment` on the sandbox gateway's page (its QR code's page for
    WeChat Native: what the phone opens after scanning)."""
    url = payment.qr_text or payment.resume_url
    return press(url, action)


def absolute(base: str, location: str) -> str:
    return urljoin(base, location)
