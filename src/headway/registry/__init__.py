"""The model registry: registered models, aliases, history and automations."""
