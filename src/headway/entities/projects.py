from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Project:
    name: str
    created_at: datetime
    run_count: int = 0
    #: When any run of the project was last created or updated.
    last_activity: datetime | None = None
