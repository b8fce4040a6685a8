"""The party's side: what a lab or an institute runs against a pact server.

- ``signer``: a party's key making statements; ``client``: ``PactClient``, which submits them and
  reads the log, checkpoints and verified statuses; ``transport``: requests with a total deadline.
- ``guard``: training runs that stop when the pact says so.
"""
