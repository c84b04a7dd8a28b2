"""What users import: ``init``, ``Run``, ``Api`` and friends (re-exported by ``headway``)."""
