"""The deterministic engine (contract section 6): ``Engine``, ``replay`` and the state JSON.

Inside, dependencies point one way: ``machine`` (the rules) imports ``state`` (the state
JSON, built from what ``SettledEngine`` exposes) and the engine's parts (``model``,
``evidence``, ``history``); none of them imports ``machine``. ``snapshot`` (``dump``
and ``load``: an engine saved and restored) imports ``machine`` and nothing imports it back.
"""

from . import snapshot
from .machine import Engine, replay
from .state import SettledEngine, full_state, light_state, status_core

__all__ = ["Engine", "SettledEngine", "full_state", "light_state", "replay", "snapshot", "status_core"]
