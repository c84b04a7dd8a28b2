"""Secrets at rest: encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under one key.

The key comes from ``HEADWAY_SECRET_KEY`` or, by default, a ``secret.key`` file created
(mode 0600) in the store folder. Losing the key makes stored secrets unreadable, never
readable by someone holding only the database.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from headway.errors import InvalidArgument, StorageError
from headway.settings import Settings

KEY_FILE = "secret.key"


class SecretBox:
    def __init__(self, key: str | bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError):
            raise InvalidArgument(
                "HEADWAY_SECRET_KEY must be a Fernet key (32 url-safe base64-encoded bytes); "
                "make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from None

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        if settings.secret_key:
            return cls(settings.secret_key)
        path = settings.dir / KEY_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            key = Fernet.generate_key()
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process made it first
                pass
            else:
                with os.fdopen(fd, "wb") as f:
                    f.write(key)
        return cls(Path(path).read_bytes().strip())

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise StorageError(
                "a stored secret cannot be decrypted: HEADWAY_SECRET_KEY (or secret.key) is "
                "not the key it was encrypted with"
            ) from None
