"""The monitor (contract section 5): an independent party that follows a log, cosigns its
checkpoints and signs status cores equal to its own replay, and alarms on evidence against
the log. ``follow`` holds the rounds, ``feed`` the bounded reads from the server, ``state``
the durable high-water mark. docs/monitor.md says what a monitor checks and signs."""

from .feed import ServerFault
from .follow import Alarm, ForkDetected, Monitor
from .state import MonitorState, StateFileError, default_state_path

__all__ = ["Alarm", "ForkDetected", "Monitor", "MonitorState", "ServerFault", "StateFileError", "default_state_path"]
