"""Where the master key comes from: ``HUSHFLOW_MASTER_KEY`` or a key file in ``$HUSHFLOW_HOME``.

``HUSHFLOW_MASTER_KEY`` (base64 of 32 bytes) wins; ``HUSHFLOW_MASTER_KEY_PREVIOUS``
(comma-separated) lists older keys still needed while a rotation runs. Without
the variable, ``$HUSHFLOW_HOME/master.key`` holds one base64 key per line, the
first being the primary. The file is created (mode 0600) only when the store
is still empty, with a loud notice to back it up; a store that already holds
ciphertext and has no key is an error, never a fresh key and never plaintext.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import secrets
import threading
from collections.abc import Mapping
from pathlib import Path

from hushflow.errors import MasterKeyError
from hushflow.secrets.crypto import KEY_BYTES, Keyring
from hushflow.storage.database import home

ENV_KEY = "HUSHFLOW_MASTER_KEY"
ENV_PREVIOUS = "HUSHFLOW_MASTER_KEY_PREVIOUS"
FILE_NAME = "master.key"
log = logging.getLogger("hushflow.secrets")
#: One creator at a time within a process (os.link settles races between processes).
_CREATE_LOCK = threading.Lock()


def parse_key(text: str, origin: str) -> bytes:
    """Decode one base64 key; the error names where it came from, never its content."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise MasterKeyError(f"{origin} is not a base64-encoded 32-byte key")
    return key


def encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode()


class MasterKeySource:
    """Loads (and, on first use of an empty store, creates) the master keyring."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = dict(env)
        self.path = home(self._env) / FILE_NAME
        self._ring: Keyring | None = None
        self._stamp: tuple[int, int] | None = None

    def __repr__(self) -> str:
        return f"MasterKeySource(from_env={self.from_env}, path={str(self.path)!r})"

    @property
    def from_env(self) -> bool:
        return bool(self._env.get(ENV_KEY))

    def keyring(self, *, create: bool = False) -> Keyring:
        """The configured keyring; ``create`` allows a new key file when none exists.

        Cached, but a key file changed by a rotation in another process is
        read again, so a long-running process never keeps sealing with a key
        the rotation is about to drop.
        """
        stamp = self._file_stamp()
        if self._ring is None or stamp != self._stamp:
            self._ring = self._load(create)
            self._stamp = self._file_stamp()
        return self._ring

    def _file_stamp(self) -> tuple[int, int] | None:
        if self.from_env:
            return None
        try:
            info = self.path.stat()
        except OSError:
            return None
        return info.st_mtime_ns, info.st_ino

    def reload(self) -> Keyring:
        """Forget the cached keyring and read the keys again (after a rotation step)."""
        self._ring = None
        return self.keyring()

    @property
    def configured(self) -> bool:
        return self.from_env or self.path.exists()

    def _load(self, create: bool) -> Keyring:
        if self.from_env:
            return self._env_keyring()
        if self.path.exists():
            return self._file_keyring()
        if not create:
            raise MasterKeyError(
                f"no master key: set {ENV_KEY} or restore the key file {self.path}"
            )
        return self._create()

    def _env_keyring(self) -> Keyring:
        primary = parse_key(self._env[ENV_KEY], ENV_KEY)
        raw = self._env.get(ENV_PREVIOUS, "")
        previous = [parse_key(p, ENV_PREVIOUS) for p in raw.split(",") if p.strip()]
        return Keyring(primary, previous)

    def _file_keyring(self) -> Keyring:
        keys = file_keys(self)
        if not keys:
            raise MasterKeyError(f"the master key file {self.path} holds no key")
        return Keyring(keys[0], keys[1:])

    def read_lines(self) -> list[str]:
        try:
            return self.path.read_text().splitlines()
        except OSError as exc:
            raise MasterKeyError(f"cannot read the master key file {self.path}: {exc}") from None

    def _create(self) -> Keyring:
        """Create the key file once: a racing thread or process reads the winner's key."""
        with _CREATE_LOCK:
            if self.path.exists():
                return self._file_keyring()
            key = os.urandom(KEY_BYTES)
            if not self._write_new([key]):
                return self._file_keyring()
        log.warning(
            "created a new master key in %s: BACK IT UP NOW. Without it the secrets "
            "stored by hushflow cannot be decrypted by anyone.",
            self.path,
        )
        return Keyring(key)

    def _write_new(self, keys: list[bytes]) -> bool:
        """Publish a first key file; False if another writer published one first."""
        tmp = self._write_tmp(keys)
        try:
            os.link(tmp, self.path)  # atomic, and fails where the file already exists
        except FileExistsError:
            return False
        finally:
            tmp.unlink(missing_ok=True)
        return True

    def write_file(self, keys: list[bytes]) -> None:
        """Atomically replace the key file (mode 0600): primary first, then older keys."""
        os.replace(self._write_tmp(keys), self.path)

    def _write_tmp(self, keys: list[bytes]) -> Path:
        """The key file's content in a private temporary file beside it."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
        body = "# hushflow master keys: first line is the primary. Back this file up.\n"
        body += "".join(encode_key(k) + "\n" for k in keys)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(body)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp


def file_keys(source: MasterKeySource) -> list[bytes]:
    """Every key in the key file, primary first (for rotation)."""
    lines = [ln.strip() for ln in source.read_lines()]
    origin = f"the master key file {source.path}"
    return [parse_key(ln, origin) for ln in lines if ln and not ln.startswith("#")]
