"""E-mail for notifications: SMTP settings, message building and delivery.

Nothing here touches the database, so the outbox code and the CLI can share it.
"""
