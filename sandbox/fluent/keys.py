"""The sandbox's RSA key pair and the two Fluent webhook signatures.

Fluent signs each webhook body with its environment's private key: ``fluent-signature``
is SHA512withRSA and the legacy ``flex.signature`` is MD5withRSA, both RSASSA-PKCS1-v1_5,
base64-encoded, over the raw body bytes (reference §5.3). The pair is generated once per
process (2048-bit) and shared by every sandbox app in it; the public key is published as
PEM and as base64 DER (X.509 SubjectPublicKeyInfo), the two forms Fluent documents.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


@dataclass(frozen=True)
class KeyPair:
    private_key: rsa.RSAPrivateKey
    public_key_pem: str
    public_key_der_b64: str

    def sign_sha512(self, body: bytes) -> str:
        """Base64 SHA512withRSA signature (the ``fluent-signature`` header)."""
        sig = self.private_key.sign(body, padding.PKCS1v15(), hashes.SHA512())
        return base64.b64encode(sig).decode("ascii")

    def sign_md5(self, body: bytes) -> str:
        """Base64 MD5withRSA signature (the legacy ``flex.signature`` header)."""
        sig = self.private_key.sign(body, padding.PKCS1v15(), hashes.MD5())
        return base64.b64encode(sig).decode("ascii")


_lock = threading.Lock()
_pair: KeyPair | None = None


def process_key_pair() -> KeyPair:
    """The key pair of this process, generated on first use."""
    global _pair
    with _lock:
        if _pair is None:
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            public = private.public_key()
            pem = public.public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo,
            ).decode("ascii")
            der = public.public_bytes(
                serialization.Encoding.DER,
                serialization.PublicFormat.SubjectPublicKeyInfo,
            )
            _pair = KeyPair(private, pem, base64.b64encode(der).decode("ascii"))
        return _pair
