"""The immutable landing zone.

Every received export is stored once, under its SHA-256, at
``data/landing/<source>/<sha[:2]>/<sha>/<relative name>`` (read-only), with a receipt record beside it.
A receipt is the content's SHA-256 together with the name it came under: its ``batch_id`` is
``sha256(content sha + "|" + relative name)``. Receiving the same file again (same bytes, same name) changes
nothing. The same bytes under another name (a monthly snapshot that did not change since last month) are a
new receipt for another period: the content is hard-linked, not copied. A corrected export (different
bytes) lands as a new file; both stay in landing, and the warehouse keeps the newer one for its period
(see ``chiso.ingest.load``).
Landing files can hold personal data (the raw exports do): the zone is created with mode 0700.

Landing runs under an exclusive lock (``<landing>/.lock``, ``flock``): two concurrent runs never both claim the
same file. Only regular files are landed: a symlink, a FIFO, a device or a socket in ``incoming/`` is refused
(:class:`Refused`, quarantined by the load step) and never followed or read.

The receipt is not the load: :func:`pending` lists every receipt of a source, and the ingestion run takes every
one whose batch the warehouse's manifest does not record as finished (loaded, quarantined, superseded), whatever
stopped an earlier run between landing and loading.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from chiso import settings
from chiso.contracts import exports
from chiso.util.files import write_whole

log = logging.getLogger(__name__)

SOURCE_SYSTEMS = tuple(exports.SOURCE_SYSTEMS)
EXPORT_SUFFIXES = {".csv", ".xlsx", ".json", ".txt"}
_CHUNK = 4 << 20


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as fh:
        buf = bytearray(_CHUNK)
        view = memoryview(buf)
        while n := fh.readinto(buf):
            digest.update(view[:n])
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    """SHA-256 of a received file (what identifies its content)."""
    return _sha256(path)


def _copy(src: Path, dst: Path) -> None:
    """Copy in the kernel (copy_file_range, else sendfile): no pass of the bytes through Python, and on a
    filesystem that supports it the copy shares blocks copy-on-write (still a separate, immutable file)."""
    copy_range = getattr(os, "copy_file_range", None)  # Linux only
    if copy_range is not None:
        with open(src, "rb") as fin, open(dst, "wb") as fout:
            try:
                while copy_range(fin.fileno(), fout.fileno(), 1 << 30):
                    pass
                return
            except OSError:  # not supported across these filesystems: start again the portable way
                pass
    shutil.copyfile(src, dst)


def _copy_verified(src: Path, dst: Path) -> str:
    """Copy ``src`` to ``dst`` and return the SHA-256 of the bytes landed (``dst`` read back: from the page
    cache, so the recorded hash is always the hash of the stored copy)."""
    _copy(src, dst)
    return _sha256(dst)


def batch_id_of(sha: str, relative_name: str) -> str:
    return hashlib.sha256(f"{sha}|{relative_name}".encode()).hexdigest()


@dataclass(frozen=True)
class LandedFile:
    batch_id: str  # the receipt: content sha + relative name
    sha256: str  # the content
    source_system: str
    original_path: str  # where it was found
    relative_name: str  # path under the source's incoming folder, e.g. 04/hoso_04_2023-01.csv
    landed_path: str
    size_bytes: int
    received_at: str  # ISO 8601, UTC

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict) -> LandedFile:
        return LandedFile(**d)


def _content_dir(source_system: str, sha: str) -> Path:
    return settings.landing_dir() / source_system / sha[:2] / sha


def _record_path(source_system: str, sha: str, batch_id: str) -> Path:
    return _content_dir(source_system, sha) / "receipts" / f"{batch_id}.json"


@dataclass(frozen=True)
class Refused:
    """An entry of ``incoming/`` that is not a regular file (symlink, FIFO, device, socket): never read."""

    source_system: str
    original_path: str
    relative_name: str
    kind: str  # symlink | fifo | device | socket | other

    @property
    def error(self) -> str:
        what = {
            "symlink": "a symbolic link (links are never followed: the target may be any file on the server)",
            "fifo": "a named pipe (FIFO)",
            "device": "a device file",
            "socket": "a socket",
        }.get(self.kind, "not a regular file")
        return (
            f"{self.relative_name}: refused, not landed: expected a regular file, found {what}; "
            "put the export itself in incoming/"
        )

    def as_landed(self) -> LandedFile:
        """A receipt for the refusal (nothing was read: the content hash is that of the refusal), so that the
        load step can quarantine it once, with its manifest row and alert."""
        sha = hashlib.sha256(f"refused:{self.kind}".encode()).hexdigest()
        return LandedFile(
            batch_id=batch_id_of(sha, self.relative_name),
            sha256=sha,
            source_system=self.source_system,
            original_path=self.original_path,
            relative_name=self.relative_name,
            landed_path="",
            size_bytes=0,
            received_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )


def _kind(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "other"


def _scan(source_system: str, incoming: Path | None = None) -> tuple[list[Path], list[Refused]]:
    """Regular export files under the source's incoming folder (stable order), and the entries refused.

    Capture manifests (``manifest*.json``) are side files of the 766 responses, not exports. Nothing is
    followed: folders are walked without following links, every entry is judged by ``lstat``."""
    root = (incoming or settings.incoming_dir()) / source_system
    if not root.exists():
        return [], []
    found, refused = [], []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        names = list(filenames)
        for d in list(dirnames):  # a link to a folder is listed as a folder: refuse it, do not walk it
            if (here / d).is_symlink():
                dirnames.remove(d)
                names.append(d)
        for name in names:
            p = here / name
            if name.startswith(".") or name.startswith("manifest"):
                continue
            kind = _kind(os.lstat(p).st_mode)
            if kind is None:
                if p.suffix.lower() in EXPORT_SUFFIXES:
                    found.append(p)
            else:
                refused.append(Refused(source_system, str(p), p.relative_to(root).as_posix(), kind))
    return sorted(found), sorted(refused, key=lambda r: r.relative_name)


def discover(source_system: str, incoming: Path | None = None) -> list[Path]:
    """Regular export files under the source's incoming folder, in a stable order (see :func:`_scan`)."""
    return _scan(source_system, incoming)[0]


@contextlib.contextmanager
def locked(timeout: float = 600.0):
    """The landing zone's exclusive lock (one landing at a time, across processes)."""
    import time

    root = settings.landing_dir()
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{root}: another landing has held the lock for {timeout:.0f} s"
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # releases the lock


def land(path: Path, source_system: str, incoming: Path | None = None) -> tuple[LandedFile, bool]:
    """Store ``path`` in the landing zone. Returns (record, is_new)."""
    if source_system not in SOURCE_SYSTEMS:
        raise ValueError(f"unknown source system {source_system!r}; expected one of {SOURCE_SYSTEMS}")
    path = Path(path)
    kind = _kind(os.lstat(path).st_mode)
    if kind is not None:
        raise ValueError(Refused(source_system, str(path), path.name, kind).error)
    sha = sha256_file(path)
    root = (incoming or settings.incoming_dir()) / source_system
    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        relative = path.name
    batch_id = batch_id_of(sha, relative)
    record_path = _record_path(source_system, sha, batch_id)
    if record_path.exists():
        return LandedFile.from_dict(json.loads(record_path.read_text(encoding="utf-8"))), False
    # keep the relative folders (e.g. 04/766/transparency/month-2023-01.json): parsers read meaning from them
    content_dir = _content_dir(source_system, sha)
    target = content_dir / relative
    settings.landing_dir().mkdir(parents=True, exist_ok=True)
    os.chmod(settings.landing_dir(), 0o700)
    target.parent.mkdir(parents=True, exist_ok=True)
    record_path.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        existing = next(
            (
                p
                for p in content_dir.rglob("*")
                if p.is_file()
                and p.parent.name != "receipts"
                and not p.name.startswith("manifest")
                and sha256_file(p) == sha
            ),
            None,
        )
        if existing is not None:  # same bytes already stored under another name: link, do not copy
            os.link(existing, target)
        else:
            def copy_checked(tmp: Path) -> None:
                if _copy_verified(path, tmp) != sha:  # the source changed since it was hashed: no torn file
                    raise RuntimeError(f"{path}: file changed while being landed; it will be picked up next run")

            _write_whole(target, copy_checked)
    # side files the parser needs (capture manifests of 766 responses) travel with the export
    for src_dir, dest_dir in ((path.parent, target.parent), (path.parent.parent, target.parent.parent)):
        if not dest_dir.is_relative_to(content_dir):
            continue
        for side in sorted(src_dir.glob("manifest*.json")):
            _land_side_file(side, dest_dir / side.name)
    record = LandedFile(
        batch_id=batch_id,
        sha256=sha,
        source_system=source_system,
        original_path=str(path),
        relative_name=relative,
        landed_path=str(target),
        size_bytes=target.stat().st_size,
        received_at=datetime.now(UTC).isoformat(timespec="microseconds"),
    )
    _write_whole(record_path, lambda tmp: tmp.write_text(json.dumps(record.to_dict(), ensure_ascii=False, indent=1),
                                                         encoding="utf-8"))
    log.info("landed %s as %s (content %s)", path, batch_id[:12], sha[:12])
    return record, True


def _write_whole(dest: Path, write: Callable[[Path], None]) -> None:
    """Write ``dest`` whole or not at all, read-only (:func:`chiso.util.files.write_whole`); under the landing
    lock, through ``<name>.part``: a run killed midway leaves only that, replaced by the next attempt."""
    write_whole(dest, write, 0o444, temporary=dest.name + ".part")


def _land_side_file(side: Path, dest: Path) -> None:
    """Copy a side file beside the landed export once, whole (:func:`_write_whole`): a run killed while copying
    leaves no torn manifest for the next run to keep. A landed copy that is not readable JSON while the source's
    bytes differ (torn by a run before the copy was whole-or-nothing) is copied again."""
    if dest.exists():
        landed = dest.read_bytes()
        try:
            json.loads(landed.decode("utf-8-sig"))
            return
        except ValueError:
            if landed == side.read_bytes():  # unreadable at the source too: the parser says so
                return
            log.warning("%s: unreadable side file, copied again from %s", dest, side)
    _write_whole(dest, lambda tmp: shutil.copyfile(side, tmp))


def land_new(source_system: str, incoming: Path | None = None) -> list[LandedFile]:
    """Land every export not seen before, under the landing lock; return the new ones (already-landed bytes are
    skipped; entries that are not regular files are logged and left: :func:`refused` lists them)."""
    new: list[LandedFile] = []
    skipped = 0
    with locked():
        found, refused_here = _scan(source_system, incoming)
        for path in found:
            record, is_new = land(path, source_system, incoming)
            if is_new:
                new.append(record)
            else:
                skipped += 1
    for r in refused_here:
        log.warning("%s", r.error)
    log.info(
        "%s: %d new file(s) landed, %d already landed, %d refused",
        source_system,
        len(new),
        skipped,
        len(refused_here),
    )
    return new


def refused(source_system: str, incoming: Path | None = None) -> list[Refused]:
    """Entries of the source's incoming folder that are not regular files."""
    return _scan(source_system, incoming)[1]


def receipts(source_system: str) -> list[LandedFile]:
    """Every receipt of the source in the landing zone, oldest first (received_at, then batch id)."""
    root = settings.landing_dir() / source_system
    out = []
    for rec in root.glob("*/*/receipts/*.json"):
        try:
            out.append(LandedFile.from_dict(json.loads(rec.read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError) as exc:  # written atomically: this is damage, say so
            raise RuntimeError(f"{rec}: damaged landing receipt ({exc})") from exc
    return sorted(out, key=lambda r: (r.received_at, r.batch_id))


def pending(source_system: str, finished: set[str]) -> list[LandedFile]:
    """Receipts whose batch is not ``finished`` (loaded, quarantined or superseded in the manifest): what the
    run must parse, validate and load, oldest first."""
    return [r for r in receipts(source_system) if r.batch_id not in finished]
