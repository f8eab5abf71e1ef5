# ruff: noqa: S603, S607 — pg_dump and pg_restore from the PATH, with arguments built here.
"""Backup and restore (issue #15, "Keep"): `manage.py backup` and `manage.py restore`.

A backup is one file, `aupres-<UTC time>.backup`: a tar archive, encrypted, holding

- `database.dump` (PostgreSQL: `pg_dump` custom format) or `database.sqlite3` (SQLite: the online backup
  API, a consistent copy while the application runs);
- `files/`: the uploaded files (AUPRES_VAR_DIR/files: referral documents…);
- `manifest.json`: the vendor, the time, the last migration of each app, and per table its row count and a
  checksum, computed on the very snapshot that was dumped (PostgreSQL: `pg_dump --snapshot`, exported by
  the transaction that computes them; SQLite: on the copy).

Encryption: AES-256-GCM in chunks of 1 MiB (each chunk authenticated, numbered, the last one marked: a
changed, reordered or cut file is refused), with the key of AUPRES_BACKUP_KEY (32 bytes, base64;
`manage.py backup --new-key` prints one). Keep the key apart from the backups: without it nothing can be
restored, with it everything can be read.

Restore decrypts, restores the database into the configured one or into `--database-url`, the files into
`--files-dir`, then recomputes every table's count and checksum and compares them with the manifest.
"""

import base64
import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from pathlib import Path

import dj_database_url
import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from psycopg.conninfo import make_conninfo

MAGIC = b"AUPRES-BACKUP-1\n"
CHUNK = 1 << 20
SUFFIX = ".backup"


class BackupError(Exception):
    pass


# --- encryption ------------------------------------------------------------------------------------------

def new_key():
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _key(text=None):
    text = text if text is not None else settings.AUPRES_BACKUP_KEY
    if not text:
        raise BackupError("AUPRES_BACKUP_KEY is not set (manage.py backup --new-key prints one).")
    try:
        key = base64.urlsafe_b64decode(text.strip().encode() + b"==")
    except ValueError as error:
        raise BackupError("AUPRES_BACKUP_KEY is not base64.") from error
    if len(key) != 32:
        raise BackupError("AUPRES_BACKUP_KEY must hold 32 bytes.")
    return AESGCM(key)


def _nonce(prefix, counter, last):
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


class EncryptingWriter(io.RawIOBase):
    """A write-only file object: what is written goes encrypted, chunk by chunk, to `out`."""

    def __init__(self, out, key=None):
        self.out, self.aead = out, _key(key)
        self.prefix = os.urandom(7)
        self.counter, self.buffer = 0, bytearray()
        out.write(MAGIC + self.prefix)

    def writable(self):
        return True

    def write(self, data):
        self.buffer += data
        while len(self.buffer) > CHUNK:
            self._emit(bytes(self.buffer[:CHUNK]), last=False)
            del self.buffer[:CHUNK]
        return len(data)

    def _emit(self, plain, last):
        sealed = self.aead.encrypt(_nonce(self.prefix, self.counter, last), plain, MAGIC)
        self.out.write(struct.pack(">I", len(sealed)) + sealed)
        self.counter += 1

    def close(self):
        if not self.closed:
            self._emit(bytes(self.buffer), last=True)
            self.buffer.clear()
        super().close()


class DecryptingReader(io.RawIOBase):
    """A read-only file object over an encrypted backup; refuses a changed, reordered or cut file."""

    def __init__(self, source, key=None):
        self.source, self.aead = source, _key(key)
        head = source.read(len(MAGIC) + 7)
        if head[:len(MAGIC)] != MAGIC:
            raise BackupError("Not an Auprès backup.")
        self.prefix = head[len(MAGIC):]
        self.counter, self.buffer, self.ended = 0, bytearray(), False

    def readable(self):
        return True

    def _next(self):
        size = self.source.read(4)
        if len(size) < 4:
            raise BackupError("The backup is cut short.")
        sealed = self.source.read(struct.unpack(">I", size)[0])
        for last in (False, True):
            try:
                plain = self.aead.decrypt(_nonce(self.prefix, self.counter, last), sealed, MAGIC)
            except InvalidTag:
                continue
            self.counter += 1
            self.ended = last
            return plain
        raise BackupError("The backup cannot be decrypted: wrong key, or a changed file.")

    def readinto(self, target):
        while not self.buffer and not self.ended:
            self.buffer += self._next()
        n = min(len(target), len(self.buffer))
        target[:n] = self.buffer[:n]
        del self.buffer[:n]
        if n == 0 and self.ended and self.source.read(1):
            raise BackupError("Data after the end of the backup.")
        return n


# --- databases -------------------------------------------------------------------------------------------

def _settings_of(url_or_alias):
    if url_or_alias in connections.settings:
        return connections[url_or_alias].settings_dict
    return dj_database_url.parse(url_or_alias)


def _vendor(db):
    return "sqlite" if "sqlite" in db["ENGINE"] else "postgresql" if "postgres" in db["ENGINE"] else db["ENGINE"]


def _pg_conninfo(db):
    params = {"dbname": db["NAME"], "user": db.get("USER") or None, "host": db.get("HOST") or None,
              "port": str(db["PORT"]) if db.get("PORT") else None}
    params.update({k: v for k, v in (db.get("OPTIONS") or {}).items() if k in ("sslmode", "sslrootcert")})
    return make_conninfo(**{k: v for k, v in params.items() if v})


def _pg_env(db):
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _row_hash(row):
    text = repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row))
    return int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")


def table_digests(conn, vendor):
    """{table: [rows, checksum]}: the checksum is the sum of the rows' SHA-256 modulo 2^256, so it does not
    depend on the order the rows come back in (a restored table may store them in another order)."""
    cursor = conn.cursor()
    if vendor == "postgresql":
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                       "ORDER BY 1")
    tables = [row[0] for row in cursor.fetchall()]
    cursor.close()
    out = {}
    for i, table in enumerate(tables):
        # PostgreSQL: a server-side cursor, so that a large table streams instead of filling the memory.
        cursor = conn.cursor(name=f"aupres_digest_{i}") if vendor == "postgresql" else conn.cursor()
        cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 — names from the catalogue
        count, total = 0, 0
        while rows := cursor.fetchmany(2000):
            count += len(rows)
            total = (total + sum(map(_row_hash, rows))) % (1 << 256)
        cursor.close()
        out[table] = [count, f"{total:064x}"]
    return out


def _migrations():
    recorder = MigrationRecorder(connections["default"])
    last = {}
    for app, name in recorder.migration_qs.order_by("id").values_list("app", "name"):
        last[app] = name
    return last


# --- backup ----------------------------------------------------------------------------------------------

def _add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(datetime.datetime.now().timestamp()), 0o600
    tar.addfile(info, io.BytesIO(data))


def backup(output_dir=None, files_dir=None, key=None, checksums=True):
    """Writes one encrypted backup file and returns (its path, the manifest)."""
    db = connections["default"].settings_dict
    vendor = _vendor(db)
    output_dir = Path(output_dir or settings.AUPRES_BACKUP_DIR)
    files_dir = Path(files_dir or settings.STORAGES["default"]["OPTIONS"]["location"])
    output_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = datetime.datetime.now(datetime.UTC)
    target = output_dir / f"aupres-{now:%Y%m%dT%H%M%S%fZ}{SUFFIX}"
    manifest = {"format": 1, "vendor": vendor, "created_at": now.isoformat(), "migrations": _migrations()}
    with tempfile.TemporaryDirectory(prefix="aupres-backup-") as tmp:
        tmp = Path(tmp)
        if vendor == "postgresql":
            dump = tmp / "database.dump"
            with psycopg.connect(_pg_conninfo(db), password=db.get("PASSWORD") or None) as conn:
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
                done = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                                       f"--snapshot={snapshot}", f"--file={dump}", f"--dbname={_pg_conninfo(db)}"],
                                      env=_pg_env(db), capture_output=True, text=True)
                if done.returncode:
                    raise BackupError(f"pg_dump failed: {done.stderr.strip()[-500:]}")
                if checksums:
                    manifest["tables"] = table_digests(conn, vendor)
                conn.rollback()
        elif vendor == "sqlite":
            dump = tmp / "database.sqlite3"
            source, copy = sqlite3.connect(db["NAME"]), sqlite3.connect(dump)
            with copy:
                source.backup(copy)
            source.close()
            if checksums:
                manifest["tables"] = table_digests(copy, vendor)
            copy.close()
        else:
            raise BackupError(f"No backup for the {vendor} database.")
        files = sorted(p for p in files_dir.rglob("*") if p.is_file()) if files_dir.exists() else []
        manifest["files"] = len(files)
        partial = target.with_suffix(".partial")
        with open(partial, "wb") as raw, EncryptingWriter(raw, key) as sealed, \
                tarfile.open(fileobj=sealed, mode="w|") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
            tar.add(dump, arcname=dump.name)
            for path in files:
                tar.add(path, arcname=f"files/{path.relative_to(files_dir)}")
        os.chmod(partial, 0o600)
        partial.rename(target)
    return target, manifest


def prune(keep_days, output_dir=None):
    """Deletes the backups older than keep_days; returns how many."""
    output_dir = Path(output_dir or settings.AUPRES_BACKUP_DIR)
    limit = datetime.datetime.now().timestamp() - keep_days * 86400
    gone = 0
    for path in output_dir.glob(f"aupres-*{SUFFIX}"):
        if path.stat().st_mtime < limit:
            path.unlink()
            gone += 1
    return gone


# --- restore ---------------------------------------------------------------------------------------------

def restore(path, database=None, files_dir=None, key=None, verify=True):
    """Restores a backup into `database` (a URL, or the configured database) and the files into `files_dir`.
    Returns (the manifest, the differences found by the verification: empty when every table matches)."""
    db = _settings_of(database or "default")
    vendor = _vendor(db)
    files_dir = Path(files_dir or settings.STORAGES["default"]["OPTIONS"]["location"])
    with tempfile.TemporaryDirectory(prefix="aupres-restore-") as tmp:
        tmp = Path(tmp)
        with open(path, "rb") as raw, DecryptingReader(raw, key) as plain, \
                tarfile.open(fileobj=plain, mode="r|") as tar:
            tar.extractall(tmp, filter="data")
        manifest = json.loads((tmp / "manifest.json").read_text())
        if manifest["vendor"] != vendor:
            raise BackupError(f"A {manifest['vendor']} backup cannot be restored into a {vendor} database.")
        if vendor == "postgresql":
            done = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--clean", "--if-exists",
                                   "--exit-on-error", f"--dbname={_pg_conninfo(db)}", str(tmp / "database.dump")],
                                  env=_pg_env(db), capture_output=True, text=True)
            if done.returncode:
                raise BackupError(f"pg_restore failed: {done.stderr.strip()[-500:]}")
        else:
            source, target = sqlite3.connect(tmp / "database.sqlite3"), sqlite3.connect(db["NAME"])
            with target:
                source.backup(target)
            source.close()
            target.close()
        if (tmp / "files").exists():
            files_dir.mkdir(parents=True, exist_ok=True)
            shutil.copytree(tmp / "files", files_dir, dirs_exist_ok=True)
    differences = verify_database(db, manifest) if verify and "tables" in manifest else {}
    return manifest, differences


def verify_database(db, manifest):
    """{table: (expected, found)} for every table whose count or checksum differs from the manifest."""
    vendor = _vendor(db)
    if vendor == "postgresql":
        with psycopg.connect(_pg_conninfo(db), password=db.get("PASSWORD") or None) as conn:
            found = table_digests(conn, vendor)
    else:
        conn = sqlite3.connect(db["NAME"])
        found = table_digests(conn, vendor)
        conn.close()
    expected = manifest["tables"]
    return {t: (expected.get(t), found.get(t)) for t in set(expected) | set(found) if expected.get(t) != found.get(t)}
