"""Webhooks (issue 12 §5): superadmins register URLs; ticket changes write delivery rows in their
own transaction; a background loop signs and sends them, retries with backoff and records each
attempt."""
