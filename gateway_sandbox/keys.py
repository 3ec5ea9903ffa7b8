"""The sandbox's key pairs, generated on first use into PAYMENT_SANDBOX_DIR (var/, never
committed): per gateway, the merchant's pair (the store signs with its private key; the
sandbox verifies with the public one) and the gateway's pair (the sandbox signs its
answers and notifications; the store verifies with the public one), with the ids the
real consoles give (Alipay app id; WeChat Pay mchid, appid, certificate serial number,
public key id, API v3 key).

Each gateway's keys are one JSON file, written whole and renamed into place, so web
processes starting together agree on one set.
"""

import json
import os
import secrets
import tempfile
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from django.conf import settings

ALIPAY = "alipay"
WECHAT_PAY = "wechat_pay"


def _pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def _generate(gateway: str) -> dict[str, str]:
    merchant_private, merchant_public = _pair()
    gateway_private, gateway_public = _pair()
    keys = {
        "merchant_private_key": merchant_private,
        "merchant_public_key": merchant_public,
        "gateway_private_key": gateway_private,
        "gateway_public_key": gateway_public,
    }
    if gateway == ALIPAY:
        keys["app_id"] = "2021" + "".join(secrets.choice("0123456789") for _ in range(12))
    else:
        keys["mchid"] = "1" + "".join(secrets.choice("0123456789") for _ in range(9))
        keys["appid"] = "wx" + secrets.token_hex(8)
        keys["cert_serial_no"] = secrets.token_hex(20).upper()
        keys["public_key_id"] = "PUB_KEY_ID_" + secrets.token_hex(16).upper()
        keys["apiv3_key"] = secrets.token_urlsafe(24)[:32]
    return keys


_loaded: dict[tuple[str, str], dict[str, str]] = {}


def sandbox_keys(gateway: str) -> dict[str, str]:
    """The keys and ids of `gateway` ("alipay" or "wechat_pay"), made the first time."""
    directory = Path(settings.PAYMENT_SANDBOX_DIR)
    cached = _loaded.get((str(directory), gateway))
    if cached is not None:
        return cached
    path = directory / f"{gateway}.json"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        keys = _generate(gateway)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{gateway}-")
        with os.fdopen(handle, "w") as file:
            json.dump(keys, file)
        os.chmod(temporary, 0o600)
        try:
            os.link(temporary, path)  # fails if another process made it first: use theirs
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    keys = json.loads(path.read_text())
    _loaded[(str(directory), gateway)] = keys
    return keys


@lru_cache(maxsize=8)
def private_key(pem: str) -> PrivateKeyTypes:
    """The loaded private key of `pem`, once per process: loading checks the RSA key,
    about 30 ms of CPU, far more than the signature it is loaded for."""
    return serialization.load_pem_private_key(pem.encode(), password=None)


@lru_cache(maxsize=8)
def public_key(pem: str) -> PublicKeyTypes:
    """The loaded public key of `pem`, once per process."""
    return serialization.load_pem_public_key(pem.encode())
