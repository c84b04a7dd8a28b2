"""Sending things out: signed webhooks and the encryption of their secrets at rest."""
