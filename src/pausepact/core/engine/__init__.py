"""The deterministic engine (contract section 6): ``Engine``, ``replay`` and the state JSON."""

from .machine import Engine, replay
from .state import full_state, status_core

__all__ = ["Engine", "full_state", "replay", "status_core"]
