"""The demo: a narrated year of a coordinated pause (``year``; its pact and its script are text in
``script``), played as a rehearsal (``pausepact.rehearse``) on a real server, three monitors and a guard,
and the child processes a command owns (``children``)."""
