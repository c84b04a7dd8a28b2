"""``headway.Monitor``: log predictions and labels of a model in production."""

from headway.sdk.monitoring.monitor import Monitor

__all__ = ["Monitor"]
