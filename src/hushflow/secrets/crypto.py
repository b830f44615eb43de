"""AES-256-GCM sealing of secret values, with key ids and row-binding associated data.

Every seal uses a fresh random 96-bit nonce and records the id of the master
key that made it, so a key rotation can tell old rows from new ones. The
associated data names the row (``namespace``, folded key, version): a
ciphertext copied into another row fails authentication instead of decrypting
to the wrong secret.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hushflow.errors import MasterKeyError, SecretError

KEY_BYTES = 32
NONCE_BYTES = 12


def key_id(key: bytes) -> str:
    """A short public fingerprint of a master key (a hash, so it reveals nothing)."""
    return hashlib.sha256(b"hushflow-master-key-id\0" + key).hexdigest()[:16]


def row_aad(namespace: str, key_folded: str, version: int) -> bytes:
    """Associated data binding a ciphertext to exactly one row."""
    return json.dumps(["secret", namespace, key_folded, version]).encode()


def setting_aad(name: str) -> bytes:
    return json.dumps(["setting", name]).encode()


@dataclass(frozen=True, slots=True)
class Sealed:
    """A ciphertext with what it takes to open it (besides the key)."""

    key_id: str
    nonce: bytes
    ciphertext: bytes

    def __repr__(self) -> str:
        return f"Sealed(key_id={self.key_id!r}, {len(self.ciphertext)} bytes)"


class Keyring:
    """The primary master key (seals) and older ones (open only, until rotation ends)."""

    def __init__(self, primary: bytes, previous: Sequence[bytes] = ()) -> None:
        for key in (primary, *previous):
            if len(key) != KEY_BYTES:
                raise MasterKeyError("a master key must be exactly 32 bytes (base64 of 32 bytes)")
        self.primary_id = key_id(primary)
        #: database URLs already checked to be openable by this keyring
        self.verified: set[str] = set()
        self._ciphers = {key_id(k): AESGCM(k) for k in (*previous, primary)}

    def __repr__(self) -> str:
        return f"Keyring(primary={self.primary_id!r}, keys={sorted(self._ciphers)!r})"

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self._ciphers)

    def seal(self, plaintext: bytes, aad: bytes) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        data = self._ciphers[self.primary_id].encrypt(nonce, plaintext, aad)
        return Sealed(self.primary_id, nonce, data)

    def open(self, sealed: Sealed, aad: bytes, what: str) -> bytes:
        """Decrypt ``sealed``; ``what`` names the row in errors (never the value)."""
        cipher = self._ciphers.get(sealed.key_id)
        if cipher is None:
            raise MasterKeyError(
                f"{what} is encrypted with master key {sealed.key_id}, which is not configured "
                f"(configured: {', '.join(sorted(self._ciphers))}); set HUSHFLOW_MASTER_KEY "
                "to the right key"
            )
        try:
            return cipher.decrypt(sealed.nonce, sealed.ciphertext, aad)
        except InvalidTag:
            raise SecretError(
                f"{what} failed to decrypt: its ciphertext was altered or belongs to another row"
            ) from None
