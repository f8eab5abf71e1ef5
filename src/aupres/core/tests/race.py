"""Run writers at the same instant on their own connections (concurrency tests on PostgreSQL and SQLite)."""

import threading

from django.db import connections


def race(targets, lost):
    """Start every target together behind a barrier; each outcome is ("won", result), ("lost", code) for
    an error of the `lost` kind, or ("error", repr) for anything else. Fails if a writer stays blocked."""
    barrier = threading.Barrier(len(targets))
    outcomes = []

    def run(target):
        try:
            barrier.wait(timeout=30)
            outcomes.append(("won", target()))
        except lost as error:
            outcomes.append(("lost", error.code))
        except Exception as error:  # noqa: BLE001 — any other failure is reported to the test
            outcomes.append(("error", repr(error)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer is still blocked"
    return outcomes
