"""The deterministic engine (contract section 6): ``Engine``, ``replay`` and the state JSON.

Inside, dependencies point one way: ``machine`` (the rules) imports ``state`` (the state
JSON, built from what ``SettledEngine`` exposes) and the engine's parts (``model``,
``evidence``, ``history``); none of them imports ``machine`` (``snapshot``, which
rebuilds an Engine, is the one exception left).
"""

from .machine import Engine, replay
from .state import SettledEngine, full_state, light_state, status_core

__all__ = ["Engine", "SettledEngine", "full_state", "light_state", "replay", "status_core"]
