"""Writing a file whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_whole(dest: Path, write: Callable[[Path], None], mode: int, temporary: str | None = None) -> None:
    """Write ``dest`` whole or not at all: ``write`` fills a temporary file beside it (same folder, so the rename
    is atomic), which gets ``mode`` and is renamed over ``dest``. A reader never sees half a file and a run killed
    midway never leaves a torn file under the real name; if ``write`` fails, the temporary file goes.

    ``temporary`` names the temporary file, for a writer alone on ``dest`` (under a lock, or a name no one else
    writes): a killed run's leftover is then replaced by the next attempt. Without it the name is unique, for
    writers that may meet on the same ``dest``."""
    if temporary is None:
        fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        os.close(fd)
        tmp = Path(name)
    else:
        tmp = dest.with_name(temporary)
        tmp.unlink(missing_ok=True)
    try:
        write(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, dest)
    except Exception:
        tmp.unlink(missing_ok=True)
        raise
