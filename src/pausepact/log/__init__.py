"""The log and its stores: the append path, the checker, the stores and the independent verifier.

- ``writer``: ``LogWriter`` appends valid statements in order and signs a checkpoint per batch.
- ``checking``: decoding and signature checks of many envelopes on every core.
- ``store``: where the log lives (SQLite, PostgreSQL), one table an addition joins.
- ``verify``: ``pausepact verify``, which trusts nothing the log operator says.
"""
