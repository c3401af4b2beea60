"""Live collaboration: who has a ticket open, who is writing, and what changed, pushed to the
agent's pages over server-sent events.

    hub.py       the publish/subscribe interface (topics per workspace) and its in-process backend
    events.py    what the ticket service publishes after a commit
    presence.py  who has which ticket open and who is typing; expires by itself
    streams.py   the event streams the agent's pages listen to (app/tickets/web/live.py serves them)
"""
