"""Ed25519 keys and signatures of case packages.

The installation's private key lives in PACKAGE_KEY_DIR, outside the database (a database backup or a
read-only database user must not be able to sign). Trusted senders are the `<sender name>.pub` files (PEM) in
TRUSTED_KEYS_DIR: the file's name is the sender's name as this service shows it."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.i18n import gettext as _

PRIVATE_KEY_FILE = "package_signing.key"
PUBLIC_KEY_FILE = "package_signing.pub"


class KeyProblem(RuntimeError):
    """The installation's key pair is missing or unreadable, or a trusted key file is unusable."""


def canonical(value: Any) -> bytes:
    """The bytes that are signed and hashed: sorted keys, no whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def key_id(public: Ed25519PublicKey) -> str:
    """A short fingerprint of a public key: the first 32 hex digits of the SHA-256 of its raw bytes."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:32]


def public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def generate(directory: str | Path, *, overwrite: bool = False) -> Path:
    """Write a new key pair into `directory` (the private key readable by its owner only); the public key's
    path is returned, to hand to the services that will receive this installation's packages."""
    folder = Path(directory)
    private_path, public_path = folder / PRIVATE_KEY_FILE, folder / PUBLIC_KEY_FILE
    if private_path.exists() and not overwrite:
        raise KeyProblem(_("%(path)s already exists: a new key would make every receiver distrust this "
                           "installation's packages (use --force to replace it deliberately)", path=private_path))
    folder.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    public_path.write_bytes(public_pem(key.public_key()))
    return public_path


def signing_key(directory: str | Path) -> Ed25519PrivateKey:
    path = Path(directory) / PRIVATE_KEY_FILE
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise KeyProblem(_("This installation has no signing key (%(path)s): run `flask packages keygen` first.",
                           path=path)) from None
    except (OSError, ValueError) as exc:
        raise KeyProblem(_("The signing key %(path)s cannot be read: %(problem)s", path=path, problem=exc)) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyProblem(_("The signing key %(path)s is not an Ed25519 key.", path=path))
    return key


@dataclass(frozen=True)
class TrustedKey:
    sender: str
    key: Ed25519PublicKey

    @property
    def key_id(self) -> str:
        return key_id(self.key)


def trusted_keys(directory: str | Path) -> dict[str, TrustedKey]:
    """The trusted senders' keys by key id. An unreadable file is skipped: it trusts no one."""
    folder = Path(directory)
    found: dict[str, TrustedKey] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.pub")):
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except (OSError, ValueError):
            continue
        if isinstance(key, Ed25519PublicKey):
            trusted = TrustedKey(path.stem, key)
            found[trusted.key_id] = trusted
    return found


def sign(key: Ed25519PrivateKey, payload: dict[str, Any]) -> bytes:
    """The package file: the payload, its signature over canonical(payload) and the signer's key id, itself
    written in canonical form (so that any changed byte of the file is refused, not only one of the payload)."""
    envelope = {"payload": payload, "signature": base64.b64encode(key.sign(canonical(payload))).decode("ascii"),
                "signer": key_id(key.public_key()), "algorithm": "Ed25519"}
    return canonical(envelope)


def verify(trusted: TrustedKey, payload: Any, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
        trusted.key.verify(raw, canonical(payload))
    except (InvalidSignature, ValueError):
        return False
    return True
