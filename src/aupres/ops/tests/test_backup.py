"""Backup and restore (issue #15): a backup of a database with persons, their journal and an uploaded file
is restored into a fresh database (SQLite file, or a new PostgreSQL database when the suite runs on
PostgreSQL); every table's row count and checksum match the source's, the file comes back byte for byte;
a wrong key, a changed byte and a cut file are refused."""

import base64
import os
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from aupres.ops import backup
from aupres.persons.models import Person

pytestmark = pytest.mark.django_db(transaction=True)
KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()


@pytest.fixture
def fresh_database(tmp_path):
    """The URL of an empty database of the suite's vendor; dropped afterwards."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"{db['NAME']}_restore"[:63]
    admin = psycopg.connect(backup._pg_conninfo({**db, "NAME": "postgres"}), password=db.get("PASSWORD") or None,
                            autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    user = f"{db['USER']}@" if db.get("USER") else ""
    yield f"postgres://{user}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def source_digests():
    """{table: [rows, checksum]} of the database the suite runs on."""
    return {t: found for t, (_none, found) in backup.verify_database(connection.settings_dict, {"tables": {}}).items()}


def test_backup_restores_into_a_fresh_database(world, settings, tmp_path, fresh_database):
    settings.AUPRES_BACKUP_KEY = KEY
    files = tmp_path / "files"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": files}}}
    for i in range(30):
        Person.objects.create(first_name=f"Prénom{i}", last_name=f"Nom{i}", birth_year=1950 + i)
    document = bytes(range(256)) * 40 + os.urandom(1000)
    saved = default_storage.save("referrals/2026/scan.pdf", ContentFile(document))
    source = source_digests()
    assert source["persons_person"][0] >= 30

    call_command("backup", output_dir=tmp_path / "out", keep_days=0)
    [archive] = (tmp_path / "out").glob("aupres-*.backup")
    assert b"Nom1" not in archive.read_bytes()  # encrypted
    restored_files = tmp_path / "restored-files"
    call_command("restore", str(archive), database_url=fresh_database, files_dir=str(restored_files))

    restored = {t: found for t, (_n, found) in backup.verify_database(
        backup._settings_of(fresh_database), {"tables": {}}).items()}
    assert restored == source  # every table: same row count, same checksum
    assert (restored_files / saved).read_bytes() == document


def test_a_changed_table_is_reported(world, settings, tmp_path, fresh_database):
    settings.AUPRES_BACKUP_KEY = KEY
    path, manifest = backup.backup(tmp_path / "out", files_dir=tmp_path / "none")
    assert manifest["tables"]["persons_person"][0] >= 1
    _manifest, differences = backup.restore(path, fresh_database, tmp_path / "f")
    assert differences == {}
    Person.objects.create(first_name="Ajout", last_name="Après", birth_year=1990)  # not in the restored copy
    differences = backup.verify_database(backup._settings_of(fresh_database), {"tables": source_digests()})
    assert "persons_person" in differences


def test_wrong_key_changed_byte_and_cut_file_are_refused(settings, tmp_path):
    settings.AUPRES_BACKUP_KEY = KEY
    path, _ = backup.backup(tmp_path / "out", files_dir=tmp_path / "none", checksums=False)
    data = path.read_bytes()
    other = base64.urlsafe_b64encode(bytes(32)).decode()
    with pytest.raises(backup.BackupError, match="cannot be decrypted"):
        backup.restore(path, f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path / "f", key=other)
    for name, broken in (("changed", data[:200] + bytes([data[200] ^ 1]) + data[201:]),
                         ("cut", data[: len(data) // 2]), ("last chunk dropped", data[: len(data) - 40])):
        target = Path(tmp_path / f"{name}.backup")
        target.write_bytes(broken)
        with pytest.raises(backup.BackupError):
            backup.restore(target, f"sqlite:///{tmp_path / 'y.sqlite3'}", tmp_path / "g")


def test_encryption_round_trip_over_several_chunks(tmp_path):
    plain = os.urandom(backup.CHUNK * 2 + 12345)
    with open(tmp_path / "x", "wb") as raw, backup.EncryptingWriter(raw, KEY) as sealed:
        sealed.write(plain)
    with open(tmp_path / "x", "rb") as raw, backup.DecryptingReader(raw, KEY) as opened:
        assert opened.read() == plain
