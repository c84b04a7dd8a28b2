"""Sending things out, one attempt at a time: signed webhooks, the alert channels (Slack,
email, PagerDuty) and the encryption of their secrets at rest.

Every sender returns a :class:`~headway.delivery.webhook.Attempt` and never raises on a
network or server failure; the caller records attempts and schedules retries.
"""
