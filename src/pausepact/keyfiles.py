"""Private key files: PEM PKCS#8 Ed25519 signing keys and X25519 seal keys, as ``cryptography`` writes them
(contract section 7; seal keys: v2 section 8)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from .core.keys import format_public_key
from .core.sealing import format_seal_key
from .errors import InputError


def generate() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_text(key: Ed25519PrivateKey) -> str:
    """The key as a pact lists it: ``ed25519:<base64>``."""
    return format_public_key(public_raw(key))


def generate_seal_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def seal_public_raw(key: X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def seal_public_text(key: X25519PrivateKey) -> str:
    """The seal key as a pact lists it under a monitor's ``seal_key``: ``x25519:<base64>``."""
    return format_seal_key(seal_public_raw(key))


def pem(key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def write_private_key(path: Path, key: Ed25519PrivateKey | X25519PrivateKey) -> None:
    """Write ``key`` (a signing or a seal key) to ``path`` readable by its owner only (mode 0600), never overwriting."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError(f"{path}: already exists; refusing to overwrite a private key") from None
    with os.fdopen(fd, "wb") as f:
        f.write(pem(key))


MAX_KEY_FILE_BYTES = 64 * 1024


def read_secret_file(path: Path) -> bytes:
    """The bytes of a private key file, refusing what ssh refuses; InputError says why, in one line.

    The file must be a regular file readable by its owner only (no group or other
    permission bits, as ssh requires of private keys) and at most 64 KiB. Every
    private key pausepact reads (signing keys, seal keys) comes through here.
    """
    try:
        # O_NONBLOCK: a FIFO planted at the path must not hang us; we refuse it below
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as e:
        raise InputError(f"{path}: cannot read key file: {e.strerror}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        what = "a directory" if stat.S_ISDIR(st.st_mode) else "a special file"
        raise InputError(f"{path}: is {what}, not a key file")
    with os.fdopen(fd, "rb") as f:
        mode = stat.S_IMODE(st.st_mode)
        if os.name == "posix" and mode & 0o077:
            raise InputError(f"{path}: private key file has mode {mode:04o}, so others may read it; "
                             f"refusing to use it: run 'chmod 600 {path}' (and replace the key if others did read it)")
        try:
            data = f.read(MAX_KEY_FILE_BYTES + 1)
        except OSError as e:
            raise InputError(f"{path}: cannot read key file: {e.strerror}") from None
    if len(data) > MAX_KEY_FILE_BYTES:
        raise InputError(f"{path}: over {MAX_KEY_FILE_BYTES // 1024} KiB; not a key file")
    return data


def _load_pem(path: Path, expected: str) -> object:
    data = read_secret_file(path)
    if b"-----BEGIN OPENSSH PRIVATE KEY" in data:
        raise InputError(f"{path}: an OpenSSH-format key; pausepact reads PEM PKCS#8 {expected} keys")
    if b"-----BEGIN" not in data:
        raise InputError(f"{path}: not a PEM file (no '-----BEGIN' line); expected a PEM PKCS#8 {expected} private key")
    try:
        return serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise InputError(f"{path}: the key is encrypted; pausepact needs an unencrypted PEM PKCS#8 key (keep the file mode 0600)") from None
    except (ValueError, UnsupportedAlgorithm):
        # never echo the cause: it may quote the key material
        raise InputError(f"{path}: not a PEM PKCS#8 private key pausepact can read (a public key, a certificate or damaged text?)") from None


def read_private_key(path: Path) -> Ed25519PrivateKey:
    """Load a PEM PKCS#8 Ed25519 signing key from a file only its owner can read; InputError says why not."""
    key = _load_pem(path, "Ed25519")
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{path}: holds {_kind(key)} private key; a signing key must be Ed25519 (pausepact keygen makes one)")
    return key


def read_seal_key(path: Path) -> X25519PrivateKey:
    """Load a monitor's PEM PKCS#8 X25519 seal key (contract v2 section 8) under the same file rules."""
    key = _load_pem(path, "X25519")
    if not isinstance(key, X25519PrivateKey):
        raise InputError(f"{path}: holds {_kind(key)} private key; a seal key must be X25519")
    return key


def _kind(key: object) -> str:
    name = type(key).__name__.removeprefix("_")
    for kind in ("Ed25519", "X25519", "X448", "Ed448", "RSA", "EllipticCurve", "DSA", "DH"):
        if name.startswith(kind):
            kind = "EC" if kind == "EllipticCurve" else kind
            return ("an " if kind[0] in "AEIOUXR" else "a ") + kind
    return "a " + name
