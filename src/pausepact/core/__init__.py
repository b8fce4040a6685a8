"""The functional core of pausepact.

Everything under ``pausepact.core`` is pure: it takes bytes and data and returns
data. It performs no I/O and never reads a clock, so every result can be
replayed by anyone, anywhere, byte for byte. The shell (CLI, storage, server)
imports the core; the core never imports the shell.
"""
