"""The key used to pseudonymise personal identifiers (HMAC-SHA256).

``CHISO_PII_KEY`` (any string; hex is decoded if it is valid hex of >= 32 bytes) wins. Without it, a
per-installation random key is kept in ``<data dir>/.pii_key`` (created once, mode 0600). No key is ever
written in code. Changing the key changes every ``applicant_key``: keep the file with the warehouse.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from chiso import settings


def pii_key_path() -> Path:
    return settings.pii_key_file()


def pii_key() -> bytes:
    """The HMAC key as bytes."""
    env = settings.pii_key_text()
    if env:
        try:
            raw = bytes.fromhex(env)
            if len(raw) >= 32:
                return raw
        except ValueError:
            pass
        return env.encode("utf-8")
    path = pii_key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    key = path.read_text().strip()
    return bytes.fromhex(key)


def hmac_hex(value: str | None, key: bytes | None = None) -> str | None:
    """HMAC-SHA256 hex of a (trimmed) identifier; None/empty → None."""
    if value is None:
        return None
    v = str(value).strip()
    if not v:
        return None
    return hmac.new(key if key is not None else pii_key(), v.encode("utf-8"), hashlib.sha256).hexdigest()


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """(K xor ipad, K xor opad) blocks, so HMAC can be composed from SHA-256 (e.g. in DuckDB SQL):
    HMAC(K, m) = SHA256(opad_block || SHA256(ipad_block || m))."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)
