"""``pausepact serve``: the log server (FastAPI)."""

from .app import create_app
from .service import LogService, ServerConfig

__all__ = ["LogService", "ServerConfig", "create_app"]
