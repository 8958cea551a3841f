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
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from chiso import settings
from chiso.contracts import exports

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


def discover(source_system: str, incoming: Path | None = None) -> list[Path]:
    """Export files under the source's incoming folder, in a stable order.

    Capture manifests (``manifest*.json``) are side files of the 766 responses, not exports.
    """
    root = (incoming or settings.incoming_dir()) / source_system
    if not root.exists():
        return []
    found = [
        p
        for p in root.rglob("*")
        if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES and not p.name.startswith("manifest")
        and not p.name.startswith(".")
    ]
    return sorted(found)


def land(path: Path, source_system: str, incoming: Path | None = None) -> tuple[LandedFile, bool]:
    """Store ``path`` in the landing zone. Returns (record, is_new)."""
    if source_system not in SOURCE_SYSTEMS:
        raise ValueError(f"unknown source system {source_system!r}; expected one of {SOURCE_SYSTEMS}")
    path = Path(path)
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
    target.parent.mkdir(parents=True, exist_ok=True)
    record_path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.landing_dir(), 0o700)
    if not target.exists():
        existing = next((p for p in content_dir.rglob("*") if p.is_file() and p.parent.name != "receipts"
                         and not p.name.startswith("manifest") and sha256_file(p) == sha), None)
        if existing is not None:  # same bytes already stored under another name: link, do not copy
            os.link(existing, target)
        else:
            tmp = target.with_name(target.name + ".part")
            if _copy_verified(path, tmp) != sha:  # the source changed since it was hashed: no torn file
                tmp.unlink()
                raise RuntimeError(f"{path}: file changed while being landed; it will be picked up next run")
            os.replace(tmp, target)
            os.chmod(target, 0o444)
    # side files the parser needs (capture manifests of 766 responses) travel with the export
    for src_dir, dest_dir in ((path.parent, target.parent), (path.parent.parent, target.parent.parent)):
        if not dest_dir.is_relative_to(content_dir):
            continue
        for side in sorted(src_dir.glob("manifest*.json")):
            dest = dest_dir / side.name
            if not dest.exists():
                shutil.copyfile(side, dest)
                os.chmod(dest, 0o444)
    record = LandedFile(
        batch_id=batch_id,
        sha256=sha,
        source_system=source_system,
        original_path=str(path),
        relative_name=relative,
        landed_path=str(target),
        size_bytes=target.stat().st_size,
        received_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    tmp_rec = record_path.with_suffix(".part")
    tmp_rec.write_text(json.dumps(record.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp_rec, record_path)
    os.chmod(record_path, 0o444)
    log.info("landed %s as %s (content %s)", path, batch_id[:12], sha[:12])
    return record, True


def land_new(source_system: str, incoming: Path | None = None) -> list[LandedFile]:
    """Land every export not seen before; return the new ones (already-landed bytes are skipped)."""
    new: list[LandedFile] = []
    skipped = 0
    for path in discover(source_system, incoming):
        record, is_new = land(path, source_system, incoming)
        if is_new:
            new.append(record)
        else:
            skipped += 1
    log.info("%s: %d new file(s) landed, %d already landed", source_system, len(new), skipped)
    return new
