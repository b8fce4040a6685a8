"""Which commits an AI coding agent wrote, from the markers agents leave (pure).

Attribution matches e-mail addresses and bot logins, never display names alone
(people are called Claude and Devin too): ``Co-authored-by`` trailers with an
agent's address, authors or committers that are agent bots, Claude Code's footer,
and aider's conventions (author name ending in `` (aider)``, subject ``aider: ``).
``dependabot[bot]`` and other non-AI bots are not AI authors. ``Markers`` can be
extended from a JSON or YAML file (``--markers``); the defaults, each with
where it is seen or documented, are the data file ``markers.json`` beside this
module.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

TRAILER = re.compile(r"^\s*co-authored-by:\s*(?P<name>.*?)\s*<(?P<email>[^>]+)>\s*$", re.IGNORECASE | re.MULTILINE)



def _defaults() -> dict[str, Any]:
    """The default markers (``markers.json`` in this package: each marker with its agent and its source)."""
    data = json.loads(resources.files(__package__).joinpath("markers.json").read_text(encoding="utf-8"))
    return {
        "emails": {m["address"].lower(): m["agent"] for m in data["emails"]},
        "bots": {m["login"].lower(): m["agent"] for m in data["bots"]},
        "footers": {m["text"]: m["agent"] for m in data["footers"]},
        "author_suffixes": {m["suffix"]: m["agent"] for m in data["author_suffixes"]},
        "subject_prefixes": {m["prefix"]: m["agent"] for m in data["subject_prefixes"]},
    }


_DEFAULTS = _defaults()
DEFAULT_EMAILS: dict[str, str] = _DEFAULTS["emails"]
DEFAULT_BOTS: dict[str, str] = _DEFAULTS["bots"]  # as <id>+<login>@users.noreply.github.com or <login>@users.noreply.github.com
DEFAULT_FOOTERS: dict[str, str] = _DEFAULTS["footers"]
DEFAULT_AUTHOR_SUFFIXES: dict[str, str] = _DEFAULTS["author_suffixes"]
DEFAULT_SUBJECT_PREFIXES: dict[str, str] = _DEFAULTS["subject_prefixes"]


@dataclass
class Markers:
    emails: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_EMAILS))
    bots: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_BOTS))
    footers: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FOOTERS))
    author_suffixes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_AUTHOR_SUFFIXES))
    subject_prefixes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SUBJECT_PREFIXES))
    aider_conventions: bool = True  # the author-suffix and subject-prefix markers

    def extend(self, config: dict[str, Any]) -> Markers:
        """Add markers from a config mapping: ``emails``, ``bots``, ``footers`` (each: marker -> agent name)."""
        for name in ("emails", "bots", "footers"):
            extra = config.get(name) or {}
            if isinstance(extra, list):
                extra = {m: m for m in extra}
            if not isinstance(extra, dict):
                raise ValueError(f"markers.{name} must be a mapping of marker to agent name, or a list")
            target = getattr(self, name)
            for k, v in extra.items():
                target[str(k).lower() if name != "footers" else str(k)] = str(v)
        return self

    def _address(self, email: str) -> str | None:
        e = email.strip().lower()
        if e in self.emails:
            return self.emails[e]
        login = e.split("@", 1)[0].split("+", 1)[-1] if e.endswith("@users.noreply.github.com") else None
        if login is not None and login in self.bots:
            return self.bots[login]
        return None

    def agent(self, author_name: str, author_email: str, committer_email: str, message: str) -> str | None:
        """The AI agent that marked this commit, or None."""
        for email in (author_email, committer_email):
            found = self._address(email)
            if found:
                return found
        for m in TRAILER.finditer(message):
            found = self._address(m.group("email"))
            if found:
                return found
        for footer, agent in self.footers.items():
            if footer in message:
                return agent
        if self.aider_conventions:
            subject = message.split("\n", 1)[0]
            for suffix, agent in self.author_suffixes.items():
                if author_name.endswith(suffix):
                    return agent
            for prefix, agent in self.subject_prefixes.items():
                if subject.startswith(prefix):
                    return agent
        return None
