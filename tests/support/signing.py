"""An RSA key pair for signing Fluent webhooks in tests (SHA512withRSA, base64)."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

_KEYS: dict[str, rsa.RSAPrivateKey] = {}


def private_key(name: str = "primary") -> rsa.RSAPrivateKey:
    """One key per name for the whole session (however the name is passed)."""
    if name not in _KEYS:
        _KEYS[name] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _KEYS[name]


def public_pem(name: str = "primary") -> str:
    return (
        private_key(name)
        .public_key()
        .public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        .decode()
    )


def public_der_b64(name: str = "primary") -> str:
    der = (
        private_key(name)
        .public_key()
        .public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return base64.b64encode(der).decode()


def sign(body: bytes, name: str = "primary", algorithm: Any = None) -> str:
    sig = private_key(name).sign(body, padding.PKCS1v15(), algorithm or hashes.SHA512())
    return base64.b64encode(sig).decode()


def fluent_body(**fields: Any) -> bytes:
    envelope = {
        "id": "evt-1",
        "name": "test.echo",
        "accountId": "SANDBOX",
        "retailerId": "1",
        "entityId": "1001",
        "entityRef": "ORDER-1",
        "entityType": "ORDER",
        "entitySubtype": "HD",
        "entityStatus": "BOOKED",
        "type": "NORMAL",
        "attributes": {},
        "meta": {"mode": "SYNC"},
        "trailLogs": [],
        "errorLogs": [],
    }
    envelope.update(fields)
    return json.dumps(envelope, separators=(", ", ": ")).encode()


def signed_headers(body: bytes, name: str = "primary") -> dict[str, str]:
    return {"fluent-signature": sign(body, name), "Content-Type": "application/json"}
