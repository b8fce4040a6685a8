"""The server's public page at ``/`` (issue 10 replaced the old one-table dashboard; see ``server.page``).

``?live=0`` still means what it meant: no event stream, for snapshots and headless browsers.
"""

from __future__ import annotations

from .page import mount as mount_page

__all__ = ["mount_page"]
