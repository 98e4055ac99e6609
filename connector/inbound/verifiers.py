"""Signature and token checks over the raw request body.

- Fluent: ``fluent-signature`` = base64 SHA512withRSA (PKCS#1 v1.5) of the raw body,
  verified against every configured public key (rotation); the legacy MD5withRSA
  ``flex.signature`` only when explicitly enabled.
- Tokens: several accepted tokens, each compared in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterable, Mapping, Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import (
    load_der_public_key,
    load_pem_public_key,
)
from werkzeug.datastructures import Headers

from connector.errors import ConfigError

# Request headers: a plain mapping or werkzeug's Headers (multi-valued, case-insensitive).
HeaderMap = Mapping[str, str] | Headers

SIGNATURE_HEADERS = ("fluent-signature", "x-fluent-signature")
LEGACY_HEADERS = ("flex.signature", "flex-signature")


def load_public_key(text: str) -> rsa.RSAPublicKey:
    """An RSA public key from PEM or base64 DER (X.509 SubjectPublicKeyInfo)."""
    text = text.strip()
    try:
        if "BEGIN" in text:
            key = load_pem_public_key(text.encode())
        else:
            key = load_der_public_key(
                base64.b64decode("".join(text.split()), validate=True)
            )
    except (ValueError, binascii.Error, TypeError) as exc:
        raise ConfigError(
            f"FLUENT_WEBHOOK_PUBLIC_KEYS: not a valid public key ({exc})"
        ) from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ConfigError("FLUENT_WEBHOOK_PUBLIC_KEYS: keys must be RSA public keys")
    return key


def _header(headers: HeaderMap, names: Iterable[str]) -> str | None:
    """The first non-empty header of ``names`` (lower-case), any case in the request.

    werkzeug's ``Headers`` (a request's) look names up case-insensitively: no copy of
    every header per request; a plain mapping is lower-cased once."""
    if isinstance(headers, Headers):
        for name in names:
            value = headers.get(name)
            if value:
                return value
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in names:
        if lowered.get(name):
            return lowered[name]
    return None


class FluentSignatureVerifier:
    def __init__(self, keys: Sequence[str], *, allow_md5: bool = False) -> None:
        self.keys = [load_public_key(k) for k in keys]
        self.allow_md5 = allow_md5

    def verify(self, raw: bytes, headers: HeaderMap) -> str | None:
        """None when the body is signed by one of the keys, else the reason it is not."""
        if not self.keys:
            return (
                "no Fluent webhook public key configured (FLUENT_WEBHOOK_PUBLIC_KEYS)"
            )
        signature = _header(headers, SIGNATURE_HEADERS)
        algorithm: hashes.HashAlgorithm = hashes.SHA512()
        if signature is None and self.allow_md5:
            signature = _header(headers, LEGACY_HEADERS)
            algorithm = hashes.MD5()
        if signature is None:
            return "missing fluent-signature header"
        try:
            decoded = base64.b64decode(signature.strip(), validate=True)
        except (binascii.Error, ValueError):
            return "signature is not base64"
        for key in self.keys:
            try:
                key.verify(decoded, raw, padding.PKCS1v15(), algorithm)
                return None
            except InvalidSignature:
                continue
        return "signature does not match any configured key"


def token_matches(candidate: str | None, tokens: Sequence[str]) -> bool:
    """Constant-time comparison against every accepted token (no early exit)."""
    if not candidate or not tokens:
        return False
    given = candidate.encode()
    found = False
    for token in tokens:
        found |= hmac.compare_digest(given, token.encode())
    return found


def bearer_token(headers: HeaderMap) -> str | None:
    """The token from ``Authorization: Bearer`` or ``X-API-Token``."""
    lowered = {k.lower(): v for k, v in headers.items()}
    auth = lowered.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return lowered.get("x-api-token") or None
