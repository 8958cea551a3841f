"""Values as JSON can hold them: the one serialiser of chiso (batch descriptors, quality results, metadata).

It is Great Expectations' ``convert_to_json_serializable`` for the values chiso handles, so that a validation
result written here equals GX's own serialisation: datetimes and dates as ISO 8601 text, tuples and sets as
lists, Decimal as float, NaN as null, enums as their value, paths and UUIDs as text; anything else as its
``str``.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from datetime import time as time_of_day
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any
from uuid import UUID


def to_jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset, range)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (datetime, date, time_of_day)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, (UUID, bytes, PurePath)):
        return str(value)
    if type(value).__module__ == "numpy" and hasattr(value, "item"):  # a NumPy scalar
        return to_jsonable(value.item())
    return str(value)


def dumps(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` of :func:`to_jsonable` (non-ASCII text kept as is)."""
    kwargs.setdefault("ensure_ascii", False)
    return json.dumps(to_jsonable(value), **kwargs)
