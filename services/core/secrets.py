"""Encrypting what must be stored but never shown again (alert channel URLs, integration credentials).

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) with one key per deployment: WORKBENCH_SECRET_KEY
if set (the same value on every machine), otherwise a key generated once into WORKBENCH_HOME/secret.key
(mode 600). Losing the key makes the stored secrets unreadable; they are entered again."""

from __future__ import annotations

import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from services.core.config import settings
from services.core.errors import InvalidInput


def new_key() -> str:
    """A fresh key, as WORKBENCH_SECRET_KEY takes it."""
    return Fernet.generate_key().decode()


def _key_text() -> str:
    config = settings()
    if config.secret_key:
        return config.secret_key
    path = config.secret_key_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process wrote it first
            return path.read_text().strip()
        with os.fdopen(descriptor, "w") as handle:
            handle.write(new_key())
    return path.read_text().strip()


@lru_cache(maxsize=4)
def _box(key: str) -> Fernet:
    try:
        return Fernet(key.encode())
    except ValueError as exc:
        raise ValueError("WORKBENCH_SECRET_KEY must be a 32-byte url-safe base64 key (see `workbench secret-key`)."
                         ) from exc


def encrypt(text: str) -> bytes:
    """The encrypted form to store."""
    return _box(_key_text()).encrypt(text.encode())


def decrypt(token: bytes) -> str:
    """The stored secret in clear; InvalidInput when it was encrypted with another key."""
    try:
        return _box(_key_text()).decrypt(bytes(token)).decode()
    except InvalidToken:
        raise InvalidInput("A stored secret cannot be read with this deployment's key (WORKBENCH_SECRET_KEY changed?);"
                           " enter it again.") from None
