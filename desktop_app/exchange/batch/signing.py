"""The exchange file's signature: Ed25519 (PyNaCl) over the manifest.

The signed text is every field of `Manifest` but the signature itself, iterated from the
dataclass (a field added later is covered without a change here), as compact JSON with sorted
keys behind a line naming what it is. The manifest holds the rows' checksum, so the signature
covers the rows too: an invented member or a changed amount with the checksum redone no longer
verifies. A field at its default value is left out of the text, so a file written before a
field was added still verifies under the program that added it.

A key's fingerprint is the SHA-256 of the raw 32-byte public key, its first 20 hex digits in
groups of four (`3f2a 9c01 77be 0d4e 12ab`): short enough to read out on the phone.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
from typing import Any

from nacl.exceptions import BadSignatureError, CryptoError
from nacl.signing import SigningKey, VerifyKey

from desktop_app.exchange.batch.layout import Manifest, plain_value

SIGNED_PREFIX = b"union-counter-exchange-manifest/1\n"
FINGERPRINT_DIGITS = 20
KEY_BYTES = 32


def signed_text(manifest: Manifest) -> bytes:
    """The bytes the signature covers: every manifest field but `signature`, canonically."""
    values: dict[str, Any] = {}
    for item in dataclasses.fields(manifest):
        if item.name == "signature":
            continue
        value = getattr(manifest, item.name)
        if item.default is not dataclasses.MISSING and value == item.default:
            continue
        values[item.name] = plain_value(value)
    text = json.dumps(
        values, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
    )
    return SIGNED_PREFIX + text.encode("utf-8")


def fingerprint(public_key: bytes) -> str:
    """The key's fingerprint as the clerks compare it (groups of four hex digits)."""
    digits = hashlib.sha256(public_key).hexdigest()[:FINGERPRINT_DIGITS]
    return " ".join(digits[n : n + 4] for n in range(0, len(digits), 4))


def same_fingerprint(a: str, b: str) -> bool:
    """Whether two fingerprints are the same, however spaced or cased."""
    return "".join(a.split()).lower() == "".join(b.split()).lower() != ""


class Signer:
    """A station's private signing key, able to sign a manifest."""

    def __init__(self, seed: bytes) -> None:
        if len(seed) != KEY_BYTES:
            raise ValueError("an Ed25519 seed is 32 bytes")
        self._key = SigningKey(seed)
        self.public_key = bytes(self._key.verify_key)
        self.fingerprint = fingerprint(self.public_key)

    @classmethod
    def generate(cls) -> Signer:
        """A new random key."""
        return cls(bytes(SigningKey.generate()))

    @property
    def seed(self) -> bytes:
        return bytes(self._key)

    def sign(self, manifest: Manifest) -> Manifest:
        """The manifest with this key's fingerprint and the signature over it."""
        manifest = dataclasses.replace(manifest, key_fingerprint=self.fingerprint, signature="")
        signature = self._key.sign(signed_text(manifest)).signature
        return dataclasses.replace(manifest, signature=base64.b64encode(signature).decode())


def verifies(manifest: Manifest, public_key: bytes) -> bool:
    """Whether the manifest's signature is this public key's over the manifest as read."""
    try:
        signature = base64.b64decode(manifest.signature.strip(), validate=True)
        VerifyKey(public_key).verify(signed_text(manifest), signature)
    except (binascii.Error, ValueError, BadSignatureError, CryptoError, TypeError):
        return False
    return True


def public_key_of(text: str) -> bytes | None:
    """A public key written as base64 (the exported key file), or None if it is not one."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != KEY_BYTES:
        return None
    try:
        VerifyKey(raw)
    except (CryptoError, ValueError, TypeError):
        return None
    return raw
