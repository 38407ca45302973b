"""Signing audit records with Ed25519, so that a record (and its overrides) can be authenticated.

A record's own hash (``record_sha256``) can be recomputed by anyone who edits the record, so it
shows only that the record is internally consistent. A signature made with the service's
private key, checked with its public key, shows that the record, every override and the
assessor named in it are exactly as the key's holder wrote them.

Keys are Ed25519 (RFC 8032), stored as PEM: the private key as PKCS #8 (optionally encrypted
with a passphrase), the public key as SubjectPublicKeyInfo, so OpenSSL, Java, .NET and every
other common library read them. A key is named by its **key id**: the sha256 (hex) of its raw
32-byte public key. See ``docs/audit.md`` for key handling in a court deployment.

Needs the ``[sign]`` extra (the ``cryptography`` package): ``pip install 'stalkrisk[sign]'``.

Examples
--------
>>> import stalkrisk
>>> from stalkrisk.signing import SigningKey
>>> key = SigningKey.generate()
>>> case = stalkrisk.load_example("EX-07")
>>> record = stalkrisk.AssessmentRecord.from_assessment(stalkrisk.score(case), case).signed(key)
>>> record.signature_status(key.public_key)
'valid'
>>> stalkrisk.verify(record, case, public_key=key.public_key)
[]
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Final

from stalkrisk._internal.files import atomic_write
from stalkrisk.errors import KeyFileError

__all__ = ["SIGN_EXTRA", "KeyFileError", "PublicKey", "SigningKey"]

#: The message of the error raised when the ``cryptography`` package is missing.
SIGN_EXTRA: Final = (
    "signing and checking records needs the cryptography package, which is not installed: "
    "pip install 'stalkrisk[sign]'"
)
_MAX_KEY_FILE: Final = 64 * 1024


def _crypto() -> Any:
    try:
        from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
        from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: PLC0415
    except ImportError as exc:
        raise ImportError(SIGN_EXTRA) from exc
    return serialization, ed25519


def _key_id(raw_public: bytes) -> str:
    return hashlib.sha256(raw_public).hexdigest()


class PublicKey:
    """An Ed25519 public key: checks signatures. Read one with :meth:`load`.

    Attributes
    ----------
    key_id : str
        The sha256 (hex) of the raw 32-byte public key.
    """

    def __init__(self, key: Any) -> None:
        serialization, _ = _crypto()
        self._key = key
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_id: str = _key_id(raw)

    def __repr__(self) -> str:
        return f"<PublicKey ed25519 {self.key_id[:16]}>"

    def verify(self, signature: bytes, message: bytes) -> bool:
        """Return whether ``signature`` is this key's signature of ``message``."""
        from cryptography.exceptions import InvalidSignature  # noqa: PLC0415

        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def pem(self) -> bytes:
        """Return the key as PEM (SubjectPublicKeyInfo)."""
        serialization, _ = _crypto()
        data: bytes = self._key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return data

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PublicKey:
        """Read a PEM public key file.

        Raises
        ------
        KeyFileError
            If the file cannot be read or is not an Ed25519 public key.
        """
        serialization, ed25519 = _crypto()
        data = _read_key_file(path)
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, TypeError):
            raise KeyFileError(f"{path}: not a PEM public key") from None
        if not isinstance(key, ed25519.Ed25519PublicKey):
            raise KeyFileError(f"{path}: not an Ed25519 public key")
        return cls(key)


class SigningKey:
    """An Ed25519 private key, which signs records.

    Make one with :meth:`generate`, write it with :meth:`save`, read it with :meth:`load`.

    Attributes
    ----------
    key_id : str
        The sha256 (hex) of the raw 32-byte public key: what a signature names.
    public_key : PublicKey
        The matching public key, to give to whoever checks records.
    """

    def __init__(self, key: Any) -> None:
        self._key = key
        self.public_key = PublicKey(key.public_key())
        self.key_id: str = self.public_key.key_id

    def __repr__(self) -> str:
        return f"<SigningKey ed25519 {self.key_id[:16]}>"

    @classmethod
    def generate(cls) -> SigningKey:
        """Return a new random key (from the operating system's secure random source)."""
        _, ed25519 = _crypto()
        return cls(ed25519.Ed25519PrivateKey.generate())

    def sign(self, message: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature of ``message``."""
        signature: bytes = self._key.sign(message)
        return signature

    def pem(self, passphrase: bytes | None = None) -> bytes:
        """Return the private key as PEM (PKCS #8), encrypted when a passphrase is given."""
        serialization, _ = _crypto()
        encryption = (
            serialization.BestAvailableEncryption(passphrase)
            if passphrase
            else serialization.NoEncryption()
        )
        data: bytes = self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )
        return data

    def save(
        self,
        private_path: str | os.PathLike[str],
        public_path: str | os.PathLike[str],
        *,
        passphrase: bytes | None = None,
    ) -> None:
        """Write the private key (mode 0600) and the public key; never overwrite a file.

        Raises
        ------
        FileExistsError
            If either file exists already.
        """
        for path in (private_path, public_path):
            if Path(path).exists():
                raise FileExistsError(f"{path} exists already; a key file is never overwritten")
        atomic_write(private_path, self.pem(passphrase), mode=0o600, replace=False)
        try:
            atomic_write(public_path, self.public_key.pem(), mode=0o644, replace=False)
        except BaseException:  # both files, or neither
            Path(private_path).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | os.PathLike[str], passphrase: bytes | None = None) -> SigningKey:
        """Read a PEM private key file (PKCS #8), decrypting it with ``passphrase`` if needed.

        Raises
        ------
        KeyFileError
            If the file cannot be read, is not an Ed25519 private key, or the passphrase is
            missing or wrong.
        """
        serialization, ed25519 = _crypto()
        data = _read_key_file(path)
        try:
            key = serialization.load_pem_private_key(data, password=passphrase)
        except TypeError:
            raise KeyFileError(
                f"{path}: the key is encrypted and needs its passphrase"
                if passphrase is None
                else f"{path}: the key is not encrypted; give no passphrase"
            ) from None
        except ValueError:
            raise KeyFileError(
                f"{path}: not a PEM private key, or the passphrase is wrong"
            ) from None
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise KeyFileError(f"{path}: not an Ed25519 private key")
        return cls(key)


def _read_key_file(path: str | os.PathLike[str]) -> bytes:
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(_MAX_KEY_FILE + 1)
    except FileNotFoundError:
        raise KeyFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > _MAX_KEY_FILE:
        raise KeyFileError(f"{path}: too large to be a key file")
    return data
