"""Alipay's RSA2 (SHA256withRSA, PKCS#1 v1.5, base64) as Alipay's servers apply it: the
sandbox signs its answers, returns and notifications with the gateway's private key and
verifies the store's requests with the merchant's public key."""

import base64
import binascii
import json
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from gateway_sandbox.keys import ALIPAY, private_key, public_key, sandbox_keys


def app_id() -> str:
    """The sandbox app's id (the store's ALIPAY_APP_ID in the embedded profile)."""
    return sandbox_keys(ALIPAY)["app_id"]


def signing_text(params: Mapping[str, str], *, without: tuple[str, ...]) -> str:
    """Alipay's string to sign: k=v sorted by name, joined with &, values as they are
    (not URL-encoded), the `without` names left out. (Alipay also leaves out empty
    values; the SDK does not, so the sandbox never sends one.)"""
    return "&".join(f"{key}={params[key]}" for key in sorted(params) if key not in without)


def sign(text: str) -> str:
    """RSA2 of `text` with the gateway's (Alipay's) private key."""
    key = private_key(sandbox_keys(ALIPAY)["gateway_private_key"])
    signature = key.sign(text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def sign_params(params: dict[str, str]) -> dict[str, str]:
    """The parameters of a return or notification with their sign (Alipay leaves sign and
    sign_type out of what it signs for these)."""
    return {**params, "sign": sign(signing_text(params, without=("sign", "sign_type")))}


def verify_request(params: Mapping[str, str]) -> bool:
    """Does the store's request carry the merchant's RSA2 signature? For requests Alipay
    signs everything but sign (sign_type included), as the SDK does."""
    try:
        signature = base64.b64decode(params.get("sign", ""), validate=True)
    except (binascii.Error, ValueError):
        return False
    key = public_key(sandbox_keys(ALIPAY)["merchant_public_key"])
    try:
        key.verify(
            signature,
            signing_text(params, without=("sign",)).encode("utf-8"),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature:
        return False
    return True


def signed_answer_text(method: str, answer: dict) -> str:
    """A synchronous answer as Alipay writes it: {"<method>_response": {...}, "sign": ...},
    the sign over the exact text of the inner object, which the outer text holds verbatim
    (the SDK finds it there and verifies it)."""
    inner = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
    key = method.replace(".", "_") + "_response"
    return f'{{"{key}":{inner},"sign":"{sign(inner)}"}}'
