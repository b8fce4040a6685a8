"""What a script's amendments and revocations refer to, checked when the script is read (contract v2 section 9).

``ScriptVersions`` follows the chain of versions a script proposes, in file order, as if each
amendment it proposes executes: an ``amend`` step's text is read (a file, or the text itself), held
to the size an amend proposal may carry, and checked by the engine's own void rules
(``core.amendments.void_reasons``) against the version it amends (the one whose ``version`` is one
less, from the pact or an earlier ``amend`` step), with the keys the script's ``revoke`` steps
revoked before it. A script that wants to rehearse a void proposal writes the ``propose`` statement
itself. A ``revoke`` step names a key file of the keys folder (``NAME`` for ``NAME.pem``; a monitor's
seal key is ``NAME.seal``) or gives the key's public text (``ed25519:...``, ``x25519:...``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import keyfiles
from ..core.amendments import MAX_AMENDMENT_BYTES, key_holders, void_reasons
from ..core.pact import Pact
from ..core.pactfile import parse_pact
from ..errors import PausepactError

Problem = Callable[[tuple[Any, ...], str], None]


def key_text(keys: Path, name: str) -> str:
    """The public text of the key ``name`` names (see the module); PausepactError naming the file when unreadable."""
    if name.startswith(("ed25519:", "x25519:")):
        return name
    path = keys / f"{name}.pem"
    if name.endswith(".seal"):
        return keyfiles.seal_public_text(keyfiles.read_seal_key(path))
    return keyfiles.public_text(keyfiles.read_private_key(path))


class ScriptVersions:
    """The versions and revoked keys a script arrives at, step by step (see the module)."""

    def __init__(self, pact: Pact, script_dir: Path, keys: Path) -> None:
        self.pacts: list[Pact] = [pact]
        self.revoked: set[str] = set()
        self.script_dir, self.keys = script_dir, keys

    @property
    def parties(self) -> set[str]:
        """Every party id any version of the chain lists."""
        return {p.id for pact in self.pacts for p in pact.parties}

    @property
    def monitors(self) -> set[str]:
        return {m for pact in self.pacts for m in pact.monitors}

    def amendment(self, text: str, where: tuple[Any, ...], problem: Problem) -> bytes | None:
        """The new version's bytes for an ``amend`` step's ``pact`` (None after reporting a problem)."""
        if "\n" in text:
            data = text.encode()
        else:
            path = self.script_dir / text
            try:
                data = path.read_bytes()
            except OSError as e:
                problem(where, f"cannot read the new version {str(path)!r}: {e.strerror}")
                return None
        if len(data) > MAX_AMENDMENT_BYTES:
            problem(where, f"the new version is {len(data)} bytes; an amend proposal carries at most {MAX_AMENDMENT_BYTES}")
            return None
        new, found = parse_pact(data)
        if new is None:
            first = next(d for d in found if d.severity == "error")
            problem(where, f"the new version is not a valid pact: line {first.line}: {first.message}")
            return None
        base = next((p for p in reversed(self.pacts) if p.version == new.version - 1), self.pacts[-1])
        voids = void_reasons(base, data, holders=key_holders(self.pacts), revoked=self.revoked)
        if voids:
            problem(where, f"void as an amendment of version {base.version}: {voids[0].message}"
                           + (f" (and {len(voids) - 1} more)" if len(voids) > 1 else ""))
            return None
        self.pacts.append(new)
        return data

    def revocation(self, name: object, where: tuple[Any, ...], problem: Problem) -> str | None:
        """The public text of the key a ``revoke`` step names (None after reporting a problem)."""
        if not isinstance(name, str):
            problem(where, "key is the name of a key file in the keys folder, or the key's public text")
            return None
        try:
            text = key_text(self.keys, name)
        except PausepactError as e:
            problem(where, e.diagnostics())
            return None
        self.revoked.add(text)
        return text
