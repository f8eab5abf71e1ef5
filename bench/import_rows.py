# ruff: noqa: S603, S607 — a local benchmark: fixed commands.
"""Benchmark: importing a 50 000-line spreadsheet (issue #17), on SQLite and on PostgreSQL.

Migrates its OWN database (a SQLite file in /tmp, or the PostgreSQL database named by --pg, created if
missing), creates one service and its head, writes a CSV of N lines (names, sex, birth date, one line in
three in a household, one in ten already ended with reason and destination), then times, calling the
services as the background tasks do: reading the upload, the dry run, the import (one transaction,
bulk inserts) and the undo. With --existing K, the service already follows K persons, so that the dry run's
duplicate search runs for every line. Say the machine load (`uptime`, printed) beside every figure.

    .venv/bin/python bench/import_rows.py [--rows 50000] [--existing 0]                # SQLite
    .venv/bin/python bench/import_rows.py --pg import17_bench [--rows 50000]           # PostgreSQL
"""

import argparse
import csv
import datetime
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def setup(args):
    os.environ["AUPRES_DEV"] = "1"
    os.environ.setdefault("AUPRES_VAR_DIR", tempfile.mkdtemp(prefix="import_bench_"))
    if args.pg:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", args.pg], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", args.pg], check=True)
        os.environ["AUPRES_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.pg}"
    else:
        path = Path(tempfile.mkdtemp(prefix="import_bench_")) / "bench.sqlite3"
        os.environ["AUPRES_DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aupres.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def world(existing):
    from decimal import Decimal

    from aupres.accounts.models import User
    from aupres.followups.models import FollowUp
    from aupres.persons.models import Person
    from aupres.services.models import Membership, Operator, Service, ServiceKind

    operator = Operator.objects.create(name="Opérateur banc", kind="association")
    service = Service(name="EMSP banc", kind=ServiceKind.objects.get(code="lhss_mobile"), operator=operator)
    service.apply_kind_template()
    service.save()
    head = User.objects.create_user(username="chef_banc", password="x" * 20)
    Membership.objects.create(user=head, service=service, profession="head_of_service", etp=Decimal("1"),
                              start_date=datetime.date(2025, 1, 1), notified_at=datetime.datetime.now(datetime.UTC))
    for i in range(existing):
        person = Person.objects.create(first_name=f"Prénom{i * 7}", last_name=f"Nom{i * 7}", birth_year=1960)
        FollowUp.objects.create(person=person, service=service, opened_on=datetime.date(2025, 1, 5))
    return service, head


def file_of(rows):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Nom", "Prénom", "Sexe", "Date de naissance", "Foyer", "Date d'entrée", "Date de sortie",
                     "Motif de sortie", "Destination"])
    for i in range(rows):
        ended = i % 10 == 0
        writer.writerow([f"Nom{i}", f"Prénom{i}", "HF"[i % 2], f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1940 + i % 60}",
                         f"Famille {i // 3}" if i % 3 == 0 else "", "05/01/2025", "01/06/2025" if ended else "",
                         "Perdu de vue" if ended else "", "Rue" if ended else ""])
    return out.getvalue().encode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--existing", type=int, default=0)
    parser.add_argument("--pg", default="", help="a PostgreSQL database to (re)create, e.g. import17_bench")
    parser.add_argument("--profile", action="store_true", help="print where the dry run, import and undo spend")
    args = parser.parse_args()
    setup(args)
    from django.db import connection

    from aupres.imports import services
    from aupres.imports.models import ImportBatch
    from aupres.persons.models import Person

    service, head = world(args.existing)
    content = file_of(args.rows)
    print(f"database: {connection.vendor}, {args.rows} lines ({len(content) / 2**20:.1f} MB), "
          f"{args.existing} persons already followed")
    print("load before:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    timings = {}

    def timed(fn, *a):
        if not args.profile:
            return fn(*a)
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        result = profiler.runcall(fn, *a)
        print(f"--- {fn.__name__}")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
        return result

    t = time.perf_counter()
    batch = services.upload(head, service.pk, "file.csv", content)
    timings["upload (read + store)"] = time.perf_counter() - t
    services.set_mapping(head, batch, batch.mapping)
    t = time.perf_counter()
    timed(services.dry_run, batch.pk, head.pk)
    timings["dry run"] = time.perf_counter() - t
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.report["error_count"] == 0, batch.report["errors"][:3]
    services.start(head, batch)
    t = time.perf_counter()
    timed(services.run, batch.pk, head.pk)
    timings["import (check + write)"] = time.perf_counter() - t
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.status == "done", batch.status
    assert Person.objects.count() == args.rows + args.existing
    t = time.perf_counter()
    timed(services.undo, head, batch)
    timings["undo"] = time.perf_counter() - t
    assert Person.objects.count() == args.existing
    for name, seconds in timings.items():
        print(f"{name:>24}: {seconds:7.1f} s")
    print(f"{'upload + dry run + import':>24}: {sum(list(timings.values())[:3]):7.1f} s")
    print("load after:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    if args.pg:
        connection.close()
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", args.pg], check=True)


if __name__ == "__main__":
    main()
