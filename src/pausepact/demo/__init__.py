"""The demo: a narrated year of a coordinated pause on a real server with three monitors (``year``),
and the child processes it owns (``children``)."""
