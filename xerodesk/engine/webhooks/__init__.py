"""Xero's webhooks: the receiver that keeps verified deliveries' events, and the
consumer that reads the records they name (see each module)."""
