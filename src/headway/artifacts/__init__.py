"""Artifacts: the rules of immutable versions, aliases, lineage, storage and gc."""
