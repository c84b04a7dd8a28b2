"""Test helpers shipped with Headway: the backend contract suite (``contract``)."""
