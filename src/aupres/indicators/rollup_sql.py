# ruff: noqa: S608 — DDL built from constants (settings.TIME_ZONE, act kinds), no input.
"""PostgreSQL triggers that keep the rollups current as encounters and acts are written.

Why triggers and not Django signals: the product writes encounter participants and acts with
`bulk_create` (encounters/services.py), which sends no signal; imports and merges use bulk or raw
writes too. A trigger runs in the writer's transaction for every row however it is written, so the
rollups never lag behind the raw tables. The locked rebuild (services.refresh_rollups) remains: it
builds a year for the first time and repairs anything written with triggers disabled (bench loads).

Kept current:
- indicators_personyear (service, year, person, months) from encounters_encounterperson: `months`
  is the bitmask of the Europe/Paris months of that year in which the person was met (bit m - 1
  for month m; migration 0004);
- indicators_eventmonth rows of ROLLUP_CODES: encounters_by_place / encounters_by_mode from
  encounters_encounter, acts_by_kind / health_actions from encounters_act (through its encounter).

Statement-level triggers with transition tables (migration 0003; 0002 had row-level ones): one
trigger per table and event (INSERT, UPDATE and DELETE see different transition tables). Each
statement's changes are summed by rollup key, then applied in ONE upsert ordered by the rollup's
unique key, so every transaction locks the rollup rows it touches in the same order: two
transactions writing acts of the same service and month in different orders wait for each other
instead of deadlocking (row-level triggers locked the rows in the order the rows were written).
A bulk insert of N acts costs one upsert per distinct key instead of N.

Years and months are those of the Europe/Paris calendar (settings.TIME_ZONE), as in the engine.
"""

from django.conf import settings

HEALTH_ACT_KINDS = ("health_check", "vaccination", "screening")
TABLES = ("encounters_encounter", "encounters_encounterperson", "encounters_act")
EVENTS = {"ins": ("INSERT", "REFERENCING NEW TABLE AS new_rows"),
          "upd": ("UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
          "del": ("DELETE", "REFERENCING OLD TABLE AS old_rows")}
FUNCTIONS = {"encounters_encounter": "indicators_rollup_encounter", "encounters_act": "indicators_rollup_act",
             "encounters_encounterperson": "indicators_rollup_encounterperson"}


def _tz():
    return settings.TIME_ZONE.replace("'", "")


def _month(col):
    return f"date_trunc('month', {col} AT TIME ZONE '{_tz()}')::date"


def _year(col):
    return f"extract(year FROM {col} AT TIME ZONE '{_tz()}')::int"


def _encounter_deltas(rows):
    """Delta rows (s, m, i, k, d) of encounters; `rows` yields (s, at, place_kind, mode, d)."""
    return f"""SELECT r.s, {_month('r.at')} AS m, v.i,
         coalesce(CASE v.i WHEN 'encounters_by_place' THEN r.place_kind ELSE r.mode END, '') AS k, r.d
    FROM ({rows}) r CROSS JOIN (VALUES ('encounters_by_place'), ('encounters_by_mode')) v(i)"""


def _act_deltas(rows):
    """Delta rows (s, m, i, k, d) of acts; `rows` yields (s, at, kind, d)."""
    health = ", ".join(f"'{k}'" for k in HEALTH_ACT_KINDS)
    return f"""SELECT r.s, {_month('r.at')} AS m, v.i, coalesce(r.kind, '') AS k, r.d
    FROM ({rows}) r CROSS JOIN (VALUES ('acts_by_kind'), ('health_actions')) v(i)
   WHERE v.i = 'acts_by_kind' OR r.kind IN ({health})"""


def _apply_event_month(deltas, with_sql=""):
    """PL/pgSQL: sums the statement's delta rows by key and applies them (one ordered upsert)."""
    return f"""
  {with_sql}
  SELECT array_agg(g.s), array_agg(g.m), array_agg(g.i), array_agg(g.k), array_agg(g.d)
    INTO ss, ms, inds, ks, ds
    FROM (SELECT x.s, x.m, x.i, x.k, sum(x.d)::int AS d FROM ({deltas}) x
           WHERE x.s IS NOT NULL AND x.m IS NOT NULL GROUP BY x.s, x.m, x.i, x.k) g
   WHERE g.d <> 0;
  PERFORM indicators_eventmonth_apply(ss, ms, inds, ks, ds);"""


def _function(name, body, declare="ss bigint[]; ms date[]; inds text[]; ks text[]; ds int[];"):
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE {declare}
BEGIN{body}
  RETURN NULL;
END $$;
"""


def _encounter_functions():
    changed = """c AS (SELECT n.id, o.service_id AS os, o.occurred_at AS oat, o.place_kind AS op, o.mode AS om,
                  n.service_id AS ns, n.occurred_at AS nat, n.place_kind AS np, n.mode AS nm
             FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.service_id, o.occurred_at, o.place_kind, o.mode)
                  IS DISTINCT FROM (n.service_id, n.occurred_at, n.place_kind, n.mode))"""
    # An encounter moved to another service or date moves the counts of its acts.
    moved_acts = """SELECT c.os AS s, c.oat AS at, a.kind, -1 AS d
      FROM c JOIN encounters_act a ON a.encounter_id = c.id WHERE (c.os, c.oat) IS DISTINCT FROM (c.ns, c.nat)
    UNION ALL
    SELECT c.ns, c.nat, a.kind, 1
      FROM c JOIN encounters_act a ON a.encounter_id = c.id WHERE (c.os, c.oat) IS DISTINCT FROM (c.ns, c.nat)"""
    update = (_encounter_deltas("SELECT os AS s, oat AS at, op AS place_kind, om AS mode, -1 AS d FROM c "
                                "UNION ALL SELECT ns, nat, np, nm, 1 FROM c")
              + "\n    UNION ALL\n" + _act_deltas(moved_acts))
    f = FUNCTIONS["encounters_encounter"]
    return (
        _function(f"{f}_ins", _apply_event_month(_encounter_deltas(
            "SELECT service_id AS s, occurred_at AS at, place_kind, mode, 1 AS d FROM new_rows")))
        + _function(f"{f}_del", _apply_event_month(_encounter_deltas(
            "SELECT service_id AS s, occurred_at AS at, place_kind, mode, -1 AS d FROM old_rows")))
        + _function(f"{f}_upd", _apply_event_month(update, with_sql=f"WITH {changed}"))
    )


def _act_functions():
    def rows(table, sign, encounter_col="encounter_id", kind_col="kind", source=None):
        return (f"SELECT e.service_id AS s, e.occurred_at AS at, a.{kind_col} AS kind, {sign} AS d "
                f"FROM {source or table + ' a'} JOIN encounters_encounter e ON e.id = a.{encounter_col}")
    changed = """c AS (SELECT o.encounter_id AS oe, o.kind AS ok, n.encounter_id AS ne, n.kind AS nk
             FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.encounter_id, o.kind) IS DISTINCT FROM (n.encounter_id, n.kind))"""
    update = (rows(None, -1, "oe", "ok", source="c a") + "\n    UNION ALL\n    "
              + rows(None, 1, "ne", "nk", source="c a"))
    f = FUNCTIONS["encounters_act"]
    # Django deletes acts before their encounter (it runs CASCADE itself), so the encounter is there.
    return (
        _function(f"{f}_ins", _apply_event_month(_act_deltas(rows("new_rows", 1))))
        + _function(f"{f}_del", _apply_event_month(_act_deltas(rows("old_rows", -1))))
        + _function(f"{f}_upd", _apply_event_month(_act_deltas(update), with_sql=f"WITH {changed}"))
    )


def _month_bit(col):
    """The bit of the Europe/Paris month of a timestamp in PersonYear.months: 1 << (month - 1)."""
    return f"(1 << (extract(month FROM {col} AT TIME ZONE '{_tz()}')::int - 1))"


def _person_year_functions(shared=False):
    """PersonYear (service, year, person, months) from encounters_encounterperson (migration 0004);
    with `shared` (migration 0006), also PersonYear.shared: whether the person has rows of more
    than one service in the year.

    Insert: the statement's keys with the OR of their month bits, upserted in key order; a new
    month is OR-ed into an existing row (a row already holding it is locked without writing).
    Delete and update: the affected keys are locked in key order first (the update's ordered
    upsert locks old and new keys in one pass), then their months are RECOMPUTED from the raw links
    of the key (a few rows, index encperson_person_time): a key left without a link loses its row.
    The recomputation only touches rows this transaction already holds, so the lock order stays
    the key order; a concurrent insert of the same key waits for us, then ORs its bit on top."""
    tz = _tz()

    def keys(rows, where=""):
        return (f"SELECT {_year('occurred_at')} AS y, service_id AS s, person_id AS p, "
                f"bit_or({_month_bit('occurred_at')}) AS mb FROM {rows} "
                f"WHERE service_id IS NOT NULL AND person_id IS NOT NULL AND occurred_at IS NOT NULL {where} "
                "GROUP BY 1, 2, 3")

    def upsert(keys_sql):
        # Ordered by the unique key. The row of a person already met that month is locked without
        # being written (the WHERE of DO UPDATE is false: the row stays locked), so that a
        # concurrent deletion of the same key waits for us.
        return f"""
  INSERT INTO indicators_personyear AS t (year, service_id, person_id, months)
  SELECT k.y, k.s, k.p, k.mb FROM ({keys_sql}) k ORDER BY k.y, k.s, k.p
  ON CONFLICT (year, service_id, person_id) DO UPDATE SET months = t.months | EXCLUDED.months
    WHERE t.months | EXCLUDED.months <> t.months;"""

    def recompute(keys_sql):
        # The months of each key from its raw links, on rows locked above in key order; a key left
        # without a link in the year loses its row.
        return f"""
  WITH k AS (SELECT DISTINCT y, s, p FROM ({keys_sql}) x),
  r AS MATERIALIZED (
    SELECT k.y, k.s, k.p, (
      SELECT bit_or({_month_bit('e.occurred_at')}) FROM encounters_encounterperson e
       WHERE e.person_id = k.p AND e.service_id = k.s
         AND e.occurred_at >= make_timestamptz(k.y, 1, 1, 0, 0, 0, '{tz}')
         AND e.occurred_at < make_timestamptz(k.y + 1, 1, 1, 0, 0, 0, '{tz}')) AS mb
      FROM k),
  gone AS (DELETE FROM indicators_personyear t USING r
            WHERE t.year = r.y AND t.service_id = r.s AND t.person_id = r.p AND r.mb IS NULL)
  UPDATE indicators_personyear t SET months = r.mb FROM r
   WHERE t.year = r.y AND t.service_id = r.s AND t.person_id = r.p AND r.mb IS NOT NULL
     AND t.months <> r.mb;"""

    old_keys = keys("old_rows")
    lock = f"""
  PERFORM 1 FROM indicators_personyear t WHERE (t.year, t.service_id, t.person_id) IN (
      SELECT y, s, p FROM ({old_keys}) k)
    ORDER BY t.year, t.service_id, t.person_id FOR UPDATE OF t;"""
    moved = ("(o.service_id, o.person_id, o.occurred_at) IS DISTINCT FROM "
             "(n.service_id, n.person_id, n.occurred_at)")
    changed_old = keys("old_rows o", f"AND EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id AND {moved})")
    changed_new = keys("new_rows n", f"AND EXISTS (SELECT 1 FROM old_rows o WHERE n.id = o.id AND {moved})")
    # An update locks (upserts) the old keys (no bit) and the new keys (their bits) in one ordered
    # pass, then recomputes the old keys: a month or a key left without a link goes.
    update = (upsert(f"SELECT y, s, p, bit_or(mb) AS mb FROM (SELECT y, s, p, 0 AS mb FROM ({changed_old}) o "
                     f"UNION ALL {changed_new}) u GROUP BY y, s, p")
              + recompute(changed_old))
    f = FUNCTIONS["encounters_encounterperson"]
    if not shared:
        return (_function(f"{f}_ins", upsert(keys("new_rows")), declare="")
                + _function(f"{f}_del", lock + recompute(old_keys), declare="")
                + _function(f"{f}_upd", update, declare=""))
    changed = f"SELECT y, s, p FROM ({changed_old}) o UNION SELECT y, s, p FROM ({changed_new}) n"
    return (_function(f"{f}_ins", _lock_persons(keys("new_rows")) + upsert(keys("new_rows"))
                      + _mark_shared(keys("new_rows")), declare="")
            + _function(f"{f}_del", _lock_persons(old_keys) + lock + recompute(old_keys) + _mark_shared(old_keys),
                        declare="")
            + _function(f"{f}_upd", _lock_persons(changed) + update + _mark_shared(changed), declare=""))


# Advisory lock class of "the rollup rows of one person are being changed" (the second key is the
# person): PersonYear.shared and CaseloadYear look at all the rows of a person, so two transactions
# changing the same person's rows queue (in person order within a statement) instead of each
# deciding from a snapshot without the other's rows. One class for both rollups, so that a
# transaction writing a follow-up and an encounter of the same person takes one lock, not two.
PERSON_LOCK_CLASS = 74120
# Past this many persons in one transaction (a load, an import, a large merge), the transaction
# locks the two rollup tables instead (SHARE ROW EXCLUSIVE: other writers of the rollups wait for its
# commit): PostgreSQL sizes its lock table for max_locks_per_transaction (64) locks per
# transaction, and a million advisory locks do not fit in it.
PERSON_LOCKS_MAX = 64
PERSON_LOCKS_SQL = f"""
CREATE OR REPLACE FUNCTION indicators_lock_persons(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  held int := coalesce(nullif(current_setting('aupres.person_locks', true), ''), '0')::int;
  locked bigint;
BEGIN
  IF ids IS NULL OR cardinality(ids) = 0 OR held < 0 THEN RETURN; END IF;  -- < 0: the tables are held
  IF held + cardinality(ids) > {PERSON_LOCKS_MAX} THEN
    LOCK TABLE indicators_caseloadyear, indicators_personyear IN SHARE ROW EXCLUSIVE MODE;  -- writers' order
    PERFORM set_config('aupres.person_locks', '-1', true);
    RETURN;
  END IF;
  FOR locked IN SELECT DISTINCT u FROM unnest(ids) u ORDER BY u LOOP
    PERFORM pg_advisory_xact_lock({PERSON_LOCK_CLASS}, (locked % 2147483647)::int);
  END LOOP;
  PERFORM set_config('aupres.person_locks', (held + cardinality(ids))::text, true);
END $$;
"""


def _lock_persons(keys_sql):
    """PL/pgSQL: the locks of the persons (column `p`) of `keys_sql` (indicators_lock_persons). The
    statements after it take their snapshots once the locks are held, so they see the rows of any
    transaction that held them before."""
    return f"""
  PERFORM indicators_lock_persons(ARRAY(SELECT DISTINCT k.p FROM ({keys_sql}) k WHERE k.p IS NOT NULL));"""


def _mark_shared(keys_sql):
    """PersonYear.shared of every row of the (year, person) of `keys_sql`: more than one row (more
    than one service met the person that year). Rows whose flag is right are not written."""
    return f"""
  UPDATE indicators_personyear t SET shared = x.shared
    FROM (SELECT u.year, u.person_id, count(*) > 1 AS shared FROM indicators_personyear u
           WHERE (u.year, u.person_id) IN (SELECT k.y, k.p FROM ({keys_sql}) k)
           GROUP BY u.year, u.person_id) x
   WHERE t.year = x.year AND t.person_id = x.person_id AND t.shared <> x.shared;"""


def person_year_shared_sql():
    """Migration 0006: the PersonYear trigger functions that keep `shared` (the triggers stay)."""
    return _person_year_functions(shared=True)


def person_year_months_sql():
    """Migration 0006 reversed: 0004's PersonYear trigger functions."""
    return _person_year_functions(shared=False)


def _person_year_functions_0003():
    """Migration 0003's PersonYear functions (no `months`), kept verbatim for its history."""
    tz = _tz()

    def keys(rows, where=""):
        return (f"SELECT DISTINCT {_year('occurred_at')} AS y, service_id AS s, person_id AS p FROM {rows} "
                f"WHERE service_id IS NOT NULL AND person_id IS NOT NULL AND occurred_at IS NOT NULL {where}")

    def upsert(keys_sql):
        # Ordered by the unique key; the row of a person already met is locked (DO UPDATE … WHERE
        # false locks without writing), so that a concurrent deletion of the same key waits for us.
        return f"""
  INSERT INTO indicators_personyear AS t (year, service_id, person_id)
  SELECT k.y, k.s, k.p FROM ({keys_sql}) k ORDER BY k.y, k.s, k.p
  ON CONFLICT (year, service_id, person_id) DO UPDATE SET person_id = EXCLUDED.person_id WHERE false;"""

    def delete_unmet(keys_sql):
        # Deleting the last encounter of a person in a service-year removes its row. The rows are
        # locked first (above), in key order, so a concurrent insert of the same key waits for us.
        return f"""
  DELETE FROM indicators_personyear t USING ({keys_sql}) k
   WHERE t.year = k.y AND t.service_id = k.s AND t.person_id = k.p
     AND NOT EXISTS (
       SELECT 1 FROM encounters_encounterperson p
        WHERE p.person_id = k.p AND p.service_id = k.s
          AND p.occurred_at >= make_timestamptz(k.y, 1, 1, 0, 0, 0, '{tz}')
          AND p.occurred_at < make_timestamptz(k.y + 1, 1, 1, 0, 0, 0, '{tz}'));"""

    old_keys = keys("old_rows")
    lock = f"""
  PERFORM 1 FROM indicators_personyear t WHERE (t.year, t.service_id, t.person_id) IN ({old_keys})
    ORDER BY t.year, t.service_id, t.person_id FOR UPDATE OF t;"""
    changed_old = keys("old_rows o", "AND EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id AND "
                       "(o.service_id, o.person_id, o.occurred_at) IS DISTINCT FROM "
                       "(n.service_id, n.person_id, n.occurred_at))")
    changed_new = keys("new_rows n", "AND EXISTS (SELECT 1 FROM old_rows o WHERE n.id = o.id AND "
                       "(o.service_id, o.person_id, o.occurred_at) IS DISTINCT FROM "
                       "(n.service_id, n.person_id, n.occurred_at))")
    # An update locks (upserts) the old and the new keys in one ordered pass, then removes the old
    # keys left without an encounter.
    update = (upsert(f"{changed_old} UNION {changed_new}")
              + delete_unmet(f"{changed_old} EXCEPT {changed_new}"))
    f = FUNCTIONS["encounters_encounterperson"]
    return (_function(f"{f}_ins", upsert(keys("new_rows")), declare="")
            + _function(f"{f}_del", lock + delete_unmet(old_keys), declare="")
            + _function(f"{f}_upd", update, declare=""))


def create_sql(person_months=True):
    """The trigger functions and triggers; `person_months=False` gives migration 0003's (no
    PersonYear.months), which 0003 creates and 0004 restores when reversed."""
    person_year = _person_year_functions() if person_months else _person_year_functions_0003()
    triggers = "".join(
        f"CREATE TRIGGER indicators_rollup_{ev} AFTER {op} ON {table} {ref}\n"
        f"  FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTIONS[table]}_{ev}();\n"
        for table in TABLES for ev, (op, ref) in EVENTS.items())
    return f"""
CREATE OR REPLACE FUNCTION indicators_eventmonth_apply(ss bigint[], ms date[], inds text[], ks text[], ds int[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF ss IS NULL THEN RETURN; END IF;
  -- ONE upsert in the order of the unique key: every transaction locks counter rows in the same
  -- order. A decrement locks its row here too (DO UPDATE … WHERE false locks without writing;
  -- the proposed row cannot carry a negative n, n >= 0) and is applied just below, on rows that
  -- this transaction already holds.
  INSERT INTO indicators_eventmonth AS t (service_id, month, indicator, key, n)
  SELECT u.s, u.m, u.i, u.k, greatest(u.d, 0) FROM unnest(ss, ms, inds, ks, ds) AS u(s, m, i, k, d)
   ORDER BY u.s, u.m, u.i, u.k
  ON CONFLICT (service_id, month, indicator, key) DO UPDATE SET n = t.n + EXCLUDED.n WHERE EXCLUDED.n > 0;
  IF EXISTS (SELECT 1 FROM unnest(ds) AS u(d) WHERE u.d < 0) THEN
    UPDATE indicators_eventmonth t SET n = greatest(t.n + u.d, 0)
      FROM unnest(ss, ms, inds, ks, ds) AS u(s, m, i, k, d)
     WHERE u.d < 0 AND t.service_id = u.s AND t.month = u.m AND t.indicator = u.i AND t.key = u.k;
  END IF;
END $$;
{_encounter_functions()}{_act_functions()}{person_year}
{triggers}"""


def create_sql_0003():
    """Migration 0003's triggers, verbatim (PersonYear without months)."""
    return create_sql(person_months=False)


DROP_SQL = "".join(f"DROP TRIGGER IF EXISTS indicators_rollup_{ev} ON {table};\n"
                   for table in TABLES for ev in EVENTS) + "".join(
    f"DROP FUNCTION IF EXISTS {FUNCTIONS[table]}_{ev}();\n" for table in TABLES for ev in EVENTS) + (
    "DROP FUNCTION IF EXISTS indicators_eventmonth_apply(bigint[], date[], text[], text[], int[]);\n")


# Migration 0002 (row-level triggers) ----------------------------------------------------------------

def create_row_level_sql():
    """Migration 0002's row-level triggers, kept verbatim for its history (0003 replaces them)."""
    tz = _tz()
    health = ", ".join(f"'{k}'" for k in HEALTH_ACT_KINDS)
    return f"""
CREATE OR REPLACE FUNCTION indicators_eventmonth_add(s bigint, at timestamptz, ind text, k text, delta int)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF s IS NULL OR at IS NULL OR delta = 0 THEN RETURN; END IF;
  INSERT INTO indicators_eventmonth (service_id, month, indicator, key, n)
  VALUES (s, date_trunc('month', at AT TIME ZONE '{tz}')::date, ind, coalesce(k, ''), greatest(delta, 0))
  ON CONFLICT (service_id, month, indicator, key)
  DO UPDATE SET n = greatest(indicators_eventmonth.n + delta, 0);
END $$;

CREATE OR REPLACE FUNCTION indicators_acts_add(s bigint, at timestamptz, kind text, delta int)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM indicators_eventmonth_add(s, at, 'acts_by_kind', kind, delta);
  IF kind IN ({health}) THEN
    PERFORM indicators_eventmonth_add(s, at, 'health_actions', kind, delta);
  END IF;
END $$;

CREATE OR REPLACE FUNCTION indicators_rollup_encounter() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  IF TG_OP = 'UPDATE' AND (OLD.service_id, OLD.occurred_at, OLD.place_kind, OLD.mode)
      IS NOT DISTINCT FROM (NEW.service_id, NEW.occurred_at, NEW.place_kind, NEW.mode) THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM indicators_eventmonth_add(OLD.service_id, OLD.occurred_at, 'encounters_by_place', OLD.place_kind, -1);
    PERFORM indicators_eventmonth_add(OLD.service_id, OLD.occurred_at, 'encounters_by_mode', OLD.mode, -1);
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    PERFORM indicators_eventmonth_add(NEW.service_id, NEW.occurred_at, 'encounters_by_place', NEW.place_kind, 1);
    PERFORM indicators_eventmonth_add(NEW.service_id, NEW.occurred_at, 'encounters_by_mode', NEW.mode, 1);
  END IF;
  -- An encounter moved to another service or date moves the counts of its acts.
  IF TG_OP = 'UPDATE' AND (OLD.service_id, OLD.occurred_at) IS DISTINCT FROM (NEW.service_id, NEW.occurred_at) THEN
    FOR r IN SELECT kind, count(*)::int AS n FROM encounters_act WHERE encounter_id = NEW.id GROUP BY kind LOOP
      PERFORM indicators_acts_add(OLD.service_id, OLD.occurred_at, r.kind, -r.n);
      PERFORM indicators_acts_add(NEW.service_id, NEW.occurred_at, r.kind, r.n);
    END LOOP;
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION indicators_rollup_act() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE e record;
BEGIN
  IF TG_OP = 'UPDATE' AND (OLD.encounter_id, OLD.kind) IS NOT DISTINCT FROM (NEW.encounter_id, NEW.kind) THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    -- Django deletes acts before their encounter (CASCADE is run by Django), so it is still there.
    SELECT service_id, occurred_at INTO e FROM encounters_encounter WHERE id = OLD.encounter_id;
    IF FOUND THEN PERFORM indicators_acts_add(e.service_id, e.occurred_at, OLD.kind, -1); END IF;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    SELECT service_id, occurred_at INTO e FROM encounters_encounter WHERE id = NEW.encounter_id;
    IF FOUND THEN PERFORM indicators_acts_add(e.service_id, e.occurred_at, NEW.kind, 1); END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION indicators_rollup_encounterperson() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE y int;
BEGIN
  IF TG_OP = 'UPDATE' AND (OLD.service_id, OLD.person_id, OLD.occurred_at)
      IS NOT DISTINCT FROM (NEW.service_id, NEW.person_id, NEW.occurred_at) THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    y := extract(year FROM OLD.occurred_at AT TIME ZONE '{tz}');
    -- Lock the rollup row first, so that a concurrent insert of the same (service, year, person)
    -- waits for this transaction (its upsert locks the row too), then look for another encounter.
    PERFORM 1 FROM indicators_personyear
      WHERE year = y AND service_id = OLD.service_id AND person_id = OLD.person_id FOR UPDATE;
    IF NOT EXISTS (
        SELECT 1 FROM encounters_encounterperson p
        WHERE p.person_id = OLD.person_id AND p.service_id = OLD.service_id AND p.id <> OLD.id
          AND p.occurred_at >= make_timestamptz(y, 1, 1, 0, 0, 0, '{tz}')
          AND p.occurred_at < make_timestamptz(y + 1, 1, 1, 0, 0, 0, '{tz}')) THEN
      DELETE FROM indicators_personyear
        WHERE year = y AND service_id = OLD.service_id AND person_id = OLD.person_id;
    END IF;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO indicators_personyear (service_id, year, person_id)
    VALUES (NEW.service_id, extract(year FROM NEW.occurred_at AT TIME ZONE '{tz}'), NEW.person_id)
    ON CONFLICT (year, service_id, person_id) DO UPDATE SET person_id = EXCLUDED.person_id;
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS indicators_rollup ON encounters_encounter;
CREATE TRIGGER indicators_rollup AFTER INSERT OR UPDATE OR DELETE ON encounters_encounter
  FOR EACH ROW EXECUTE FUNCTION indicators_rollup_encounter();
DROP TRIGGER IF EXISTS indicators_rollup ON encounters_act;
CREATE TRIGGER indicators_rollup AFTER INSERT OR UPDATE OR DELETE ON encounters_act
  FOR EACH ROW EXECUTE FUNCTION indicators_rollup_act();
DROP TRIGGER IF EXISTS indicators_rollup ON encounters_encounterperson;
CREATE TRIGGER indicators_rollup AFTER INSERT OR UPDATE OR DELETE ON encounters_encounterperson
  FOR EACH ROW EXECUTE FUNCTION indicators_rollup_encounterperson();
"""


DROP_ROW_LEVEL_SQL = """
DROP TRIGGER IF EXISTS indicators_rollup ON encounters_encounter;
DROP TRIGGER IF EXISTS indicators_rollup ON encounters_act;
DROP TRIGGER IF EXISTS indicators_rollup ON encounters_encounterperson;
DROP FUNCTION IF EXISTS indicators_rollup_encounter();
DROP FUNCTION IF EXISTS indicators_rollup_act();
DROP FUNCTION IF EXISTS indicators_rollup_encounterperson();
DROP FUNCTION IF EXISTS indicators_acts_add(bigint, timestamptz, text, int);
DROP FUNCTION IF EXISTS indicators_eventmonth_add(bigint, timestamptz, text, text, int);
"""


# The caseload rollup (migration 0005) ---------------------------------------------------------------

CASELOAD_TABLE = "indicators_caseloadyear"
CASELOAD_COLUMNS = ("year", "service_id", "person_id", "followed_days", "first_opened", "person_first_opened",
                    "shared", "sex", "born", "administrative_situation", "living_situation", "health_cover")
# Statement-level triggers: table -> {event: SQL of the persons concerned by the statement}.
_PROFILE = "(o.sex, o.birth_year, o.estimated_age, o.estimated_on, o.administrative_situation)"
CASELOAD_TRIGGERS = {
    "followups_followup": {
        "ins": "SELECT person_id FROM new_rows",
        "del": "SELECT person_id FROM old_rows",
        "upd": "SELECT unnest(ARRAY[o.person_id, n.person_id]) FROM old_rows o JOIN new_rows n ON n.id = o.id "
               "WHERE (o.person_id, o.service_id, o.opened_on, o.closed_on) "
               "IS DISTINCT FROM (n.person_id, n.service_id, n.opened_on, n.closed_on)"},
    "persons_person": {
        "del": "SELECT id FROM old_rows",
        "upd": f"SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id "
               f"WHERE {_PROFILE} IS DISTINCT FROM {_PROFILE.replace('o.', 'n.')}"},
    "persons_livingsituation": {
        "ins": "SELECT person_id FROM new_rows",
        "del": "SELECT person_id FROM old_rows",
        "upd": "SELECT unnest(ARRAY[o.person_id, n.person_id]) FROM old_rows o JOIN new_rows n ON n.id = o.id "
               "WHERE (o.person_id, o.kind, o.started_on) IS DISTINCT FROM (n.person_id, n.kind, n.started_on)"},
    "persons_rightstatus": {
        "ins": "SELECT person_id FROM new_rows WHERE kind = 'health_cover'",
        "del": "SELECT person_id FROM old_rows WHERE kind = 'health_cover'",
        "upd": "SELECT unnest(ARRAY[o.person_id, n.person_id]) FROM old_rows o JOIN new_rows n ON n.id = o.id "
               "WHERE 'health_cover' IN (o.kind, n.kind) AND (o.person_id, o.kind, o.value, o.started_on) "
               "IS DISTINCT FROM (n.person_id, n.kind, n.value, n.started_on)"},
}


def caseload_rows_sql(where, years):
    """SELECT of the CaseloadYear rows (CASELOAD_COLUMNS, in order) of the follow-ups matching
    `where` (a condition on follow-up `f`) for the years that `years` (SQL, one column) gives. The
    ONE definition of the rollup's content: the triggers, the rebuild and the check all use it.

    Same rules as the live engine: a follow-up is in the caseload of a year when opened on or
    before its last day and not closed before its first; the person is described as at the end of
    the year (latest living situation and health cover started on or before 31 December, birth
    year or estimated age as `engine._born`); followed days count each follow-up's days within the
    year, both ends included."""
    last = "make_date(y.year, 12, 31)"
    return f"""
SELECT y.year, f.service_id, f.person_id,
  sum(least(coalesce(f.closed_on, {last}), {last}) - greatest(f.opened_on, make_date(y.year, 1, 1)) + 1)::int,
  (SELECT min(g.opened_on) FROM followups_followup g WHERE g.person_id = f.person_id AND g.service_id = f.service_id),
  (SELECT min(g.opened_on) FROM followups_followup g WHERE g.person_id = f.person_id),
  (SELECT count(DISTINCT g.service_id) > 1 FROM followups_followup g WHERE g.person_id = f.person_id),
  p.sex,
  coalesce(p.birth_year, coalesce(extract(year FROM p.estimated_on)::int, y.year) - p.estimated_age),
  p.administrative_situation,
  (SELECT l.kind FROM persons_livingsituation l WHERE l.person_id = f.person_id AND l.started_on <= {last}
    ORDER BY l.started_on DESC, l.id DESC LIMIT 1),
  (SELECT r.value FROM persons_rightstatus r
    WHERE r.person_id = f.person_id AND r.kind = 'health_cover' AND r.started_on <= {last}
    ORDER BY r.started_on DESC, r.id DESC LIMIT 1)
FROM followups_followup f
JOIN ({years}) y(year) ON f.opened_on <= {last} AND (f.closed_on IS NULL OR f.closed_on >= make_date(y.year, 1, 1))
JOIN persons_person p ON p.id = f.person_id
WHERE {where}
GROUP BY y.year, f.service_id, f.person_id, p.id"""


def caseload_create_sql():
    """The recomputation function and the statement-level triggers that call it."""
    columns = ", ".join(CASELOAD_COLUMNS)
    rows = caseload_rows_sql("f.person_id = ANY(ids)", "SELECT year::int FROM indicators_rollupstate")
    functions = "".join(
        _function(f"indicators_caseload_{table}_{ev}",
                  f"\n  PERFORM indicators_caseload_recompute(ARRAY(SELECT DISTINCT x.p FROM ({sql}) x(p) "
                  "WHERE x.p IS NOT NULL));", declare="")
        for table, events in CASELOAD_TRIGGERS.items() for ev, sql in events.items())
    triggers = "".join(
        f"CREATE TRIGGER indicators_caseload_{ev} AFTER {EVENTS[ev][0]} ON {table} {EVENTS[ev][1]}\n"
        f"  FOR EACH STATEMENT EXECUTE FUNCTION indicators_caseload_{table}_{ev}();\n"
        for table, events in CASELOAD_TRIGGERS.items() for ev in events)
    return PERSON_LOCKS_SQL + f"""
CREATE OR REPLACE FUNCTION indicators_caseload_recompute(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF ids IS NULL OR cardinality(ids) = 0 THEN RETURN; END IF;
  -- One recomputation of a person at a time, taken in person order. Before the table lock below:
  -- a writer waiting for a person must not hold the rollup table, which a transaction holding
  -- that person may come to lock whole (indicators_lock_persons, past PERSON_LOCKS_MAX persons).
  PERFORM indicators_lock_persons(ids);
  -- Waits for a rebuild in progress (it holds the rollup in EXCLUSIVE mode): the statements below
  -- take their snapshots after this one, so they see the years it built and the rows it wrote.
  LOCK TABLE {CASELOAD_TABLE} IN ROW EXCLUSIVE MODE;
  -- Every row of the persons, for every built year, from their follow-ups and records now.
  DELETE FROM {CASELOAD_TABLE} WHERE person_id = ANY(ids);
  INSERT INTO {CASELOAD_TABLE} ({columns}) {rows};
END $$;
{functions}
{triggers}"""


CASELOAD_DROP_SQL = "".join(
    f"DROP TRIGGER IF EXISTS indicators_caseload_{ev} ON {table};\n"
    f"DROP FUNCTION IF EXISTS indicators_caseload_{table}_{ev}();\n"
    for table, events in CASELOAD_TRIGGERS.items() for ev in events) + (
    "DROP FUNCTION IF EXISTS indicators_caseload_recompute(bigint[]);\n"
    "DROP FUNCTION IF EXISTS indicators_lock_persons(bigint[]);\n")


# The services' parts (ServiceYearPart, migration 0008, decision D66) ---------------------------------

PART_TABLE = "indicators_serviceyearpart"
# Age bands of the caseload (engine.AGE_BANDS): the age reached in the year, year - birth year.
AGE_LIMITS = ((17, "0_17"), (24, "18_24"), (39, "25_39"), (59, "40_59"))
# Caseload profile columns counted by ServiceYearPart (indicator "caseload_<column>").
PART_CASELOAD_COLUMNS = ("sex", "administrative_situation", "living_situation", "health_cover")


def _age_band(born, year):
    bands = " ".join(f"WHEN {year} - {born} <= {limit} THEN '{band}'" for limit, band in AGE_LIMITS)
    return f"CASE WHEN {born} IS NULL THEN 'unknown' {bands} ELSE '60_plus' END"


def person_year_part_sql(rows):
    """SELECT (year, service_id, indicator, key, n) of PersonYear rows `rows` (columns of the table
    and `d`, +1 or -1): persons met ("all") and met in month m ("1".."12") of the rows NOT shared."""
    return f"""
SELECT r.year, r.service_id, 'persons_met', v.k, sum(r.d)
  FROM ({rows}) r
  CROSS JOIN LATERAL (SELECT 'all' UNION ALL SELECT m::text FROM generate_series(1, 12) m
                       WHERE r.months & (1 << (m - 1)) <> 0) v(k)
 WHERE NOT r.shared
 GROUP BY 1, 2, 3, 4 HAVING sum(r.d) <> 0"""


def caseload_year_part_sql(rows):
    """SELECT (year, service_id, indicator, key, n) of CaseloadYear rows `rows` (columns of the table
    and `d`): the followed days of every row; of the rows NOT shared, the persons by each profile
    column (a missing value: key ''), by age band, and the new persons (first opening by the service
    in the row's year: that service is the person's only one)."""
    alone = "(CASE WHEN r.shared THEN 0 ELSE 1 END)"
    values = ", ".join([
        "('followed_days', 'all', r.followed_days::bigint)",
        *(f"('caseload_{c}', r.{c}::text, {alone})" for c in PART_CASELOAD_COLUMNS),
        f"('caseload_age', {_age_band('r.born', 'r.year')}, {alone})",
        "('new_persons', 'all', CASE WHEN NOT r.shared AND r.first_opened >= make_date(r.year, 1, 1) "
        "THEN 1 ELSE 0 END)"])
    return f"""
SELECT r.year, r.service_id, v.i, coalesce(v.k, ''), sum(r.d * v.n)
  FROM ({rows}) r CROSS JOIN LATERAL (VALUES {values}) v(i, k, n)
 GROUP BY 1, 2, 3, 4 HAVING sum(r.d * v.n) <> 0"""


# Follow-up lengths (engine.LENGTH_BANDS): whole days from opening to closing under each limit.
LENGTH_LIMITS = ((30, "lt_1m"), (91, "1_3m"), (183, "3_6m"), (365, "6_12m"), (730, "12_24m"))
# The situation at admission and at exit of the year's exits (care.indicators, entry against exit): the
# person's latest record of a dated history on the day of opening and on the day of closing.
# (indicators' stem, history table, its value column, the kind of record it is kept to)
ENTRY_EXIT = (("housing", "persons_livingsituation", "kind", None),
              ("health_cover", "persons_rightstatus", "value", "health_cover"),
              ("income", "persons_rightstatus", "value", "income"))
MOMENTS = (("entry", "opened_on"), ("exit", "closed_on"))
HISTORY_TABLES = tuple(dict.fromkeys(table for _s, table, *_r in ENTRY_EXIT))
ENTRY_EXIT_CODES = tuple(f"{stem}_at_{when}" for stem, *_h in ENTRY_EXIT for when, _col in MOMENTS)
# Event indicators counted in ServiceYearPart from their raw tables (one year of their date).
PART_EVENT_CODES = ("exits_by_reason", "exits_by_destination", "followup_length", "referrals_by_source",
                    "referrals_by_status", "referral_to_first_contact", *ENTRY_EXIT_CODES)


def _latest(table, column, kind, person, moment, new_rows=None, old_rows=None):
    """The value of the person's latest `table` record (of `kind`) started on or before `moment`, ties
    by id (as care.indicators reads it live). With transition tables, as it was BEFORE the statement:
    the records now, less the statement's new rows, plus its old rows."""
    of_kind = f" AND h.kind = '{kind}'" if kind else ""
    if not (new_rows or old_rows):  # one backward probe of the index (person, kind?, started_on, id)
        return (f"(SELECT h.{column} FROM {table} h WHERE h.person_id = {person}{of_kind} "
                f"AND h.started_on <= {moment} ORDER BY h.started_on DESC, h.id DESC LIMIT 1)")
    source = f"SELECT h.started_on, h.id, h.{column} AS v FROM {table} h WHERE h.person_id = {person}{of_kind}"
    if new_rows:
        source += f" AND h.id NOT IN (SELECT id FROM {new_rows})"
    if old_rows:
        source += (f" UNION ALL SELECT h.started_on, h.id, h.{column} FROM {old_rows} h "
                   f"WHERE h.person_id = {person}{of_kind}")
    return (f"(SELECT x.v FROM ({source}) x WHERE x.started_on <= {moment} "
            "ORDER BY x.started_on DESC, x.id DESC LIMIT 1)")


def _entry_exit_values(f, sign="1", histories=None, new_rows=None, old_rows=None):
    """VALUES rows (indicator, key, n) of the situations at entry and at exit of follow-up `f`, read
    from the histories now; those of `histories` as before the statement (with `new_rows`/`old_rows`)."""
    out = []
    for stem, table, column, kind in ENTRY_EXIT:
        if histories is not None and table not in histories:
            continue
        for when, moment in MOMENTS:
            args = (table, column, kind, f"{f}.person_id", f"{f}.{moment}")
            out.append(f"('{stem}_at_{when}', {_latest(*args)}, {sign})")
            if histories is not None:
                out.append(f"('{stem}_at_{when}', {_latest(*args, new_rows, old_rows)}, -1)")
    return out


def followup_part_sql(rows):
    """SELECT (year, service_id, indicator, key, n) of follow-ups `rows` (columns of the table and
    `d`): the exits of the closing year by reason, by destination and by length band, and by the
    situations at admission and at exit (the histories as they are: a statement on follow-ups does
    not change them, so the old rows' values are those that were counted)."""
    days = "(r.closed_on - r.opened_on)"
    band = " ".join(f"WHEN {days} < {limit} THEN '{b}'" for limit, b in LENGTH_LIMITS)
    band = f"CASE {band} ELSE '24m_plus' END"
    values = ", ".join(["('exits_by_reason', r.exit_reason::text, 1)",
                        "('exits_by_destination', r.exit_destination::text, 1)", f"('followup_length', {band}, 1)",
                        *_entry_exit_values("r")])
    return f"""
SELECT extract(year FROM r.closed_on)::int, r.service_id, v.i, coalesce(v.k, ''), sum(r.d * v.n)
  FROM ({rows}) r CROSS JOIN LATERAL (VALUES {values}) v(i, k, n)
 WHERE r.closed_on IS NOT NULL AND r.service_id IS NOT NULL
 GROUP BY 1, 2, 3, 4 HAVING sum(r.d * v.n) <> 0"""


def history_part_sql(table, new_rows, old_rows):
    """The deltas of the situations at entry and at exit when a statement writes a person's dated
    history (`table`): for each closed follow-up of a person whose records changed, +1 on the value
    now and -1 on the value before the statement (see _latest). A merge that moves records from
    one person to another changes both persons' follow-ups."""
    touched = " UNION ".join(f"SELECT person_id FROM {t}" for t in (new_rows, old_rows) if t)
    values = ", ".join(_entry_exit_values("f", histories=(table,), new_rows=new_rows, old_rows=old_rows))
    return f"""
SELECT extract(year FROM f.closed_on)::int, f.service_id, v.i, coalesce(v.k, ''), sum(v.n)
  FROM followups_followup f CROSS JOIN LATERAL (VALUES {values}) v(i, k, n)
 WHERE f.person_id IN ({touched}) AND f.closed_on IS NOT NULL AND f.service_id IS NOT NULL
 GROUP BY 1, 2, 3, 4 HAVING sum(v.n) <> 0"""


# Delays from reception to first contact (engine.DELAY_BANDS): whole days under each limit.
DELAY_LIMITS = ((3, "0_2"), (8, "3_7"), (31, "8_30"))


def _delay_band(first, received):
    bands = " ".join(f"WHEN {first} - {received} < interval '{limit} days' THEN '{b}'" for limit, b in DELAY_LIMITS)
    return f"CASE WHEN {first} IS NULL THEN 'no_contact' {bands} ELSE '31_plus' END"


def _first_link(followup):
    """The time of the first encounter of a follow-up (index encounters on (follow-up, time))."""
    return f"(SELECT min(e.occurred_at) FROM encounters_encounterperson e WHERE e.followup_id = {followup})"


def referral_part_sql(rows):
    """SELECT (year, service_id, indicator, key, n) of referrals `rows` (columns of the table and
    `d`): the referrals received in the (Europe/Paris) year, by source and by current status, and the
    accepted ones by delay to the first encounter of their follow-up (its links as they are)."""
    accepted = "(CASE WHEN r.status = 'accepted' THEN 1 ELSE 0 END)"
    return f"""
SELECT {_year('r.received_at')}, r.service_id, v.i, coalesce(v.k, ''), sum(r.d * v.n)
  FROM ({rows}) r CROSS JOIN LATERAL (VALUES ('referrals_by_source', r.source::text, 1),
       ('referrals_by_status', r.status::text, 1),
       ('referral_to_first_contact', {_delay_band(_first_link('r.followup_id'), 'r.received_at')}, {accepted})
       ) v(i, k, n)
 WHERE r.received_at IS NOT NULL AND r.service_id IS NOT NULL
 GROUP BY 1, 2, 3, 4 HAVING sum(r.d * v.n) <> 0"""


def link_part_sql(new_rows, old_rows):
    """The deltas of the accepted referrals' delays (referral_to_first_contact) when a statement
    writes encounter links: for each referral of a follow-up whose links changed, -1 on its band
    before (the links now, less the statement's new rows, plus its old rows) and +1 on its band now.
    `new_rows`, `old_rows`: the transition tables, or None for a statement without one."""
    new_ids = f"AND e.id NOT IN (SELECT id FROM {new_rows})" if new_rows else ""
    old_links = f"UNION ALL SELECT o.occurred_at FROM {old_rows} o WHERE o.followup_id = f.id" if old_rows else ""
    touched = " UNION ".join(f"SELECT followup_id FROM {t}" for t in (new_rows, old_rows) if t)
    return f"""
SELECT {_year('r.received_at')}, r.service_id, 'referral_to_first_contact', v.k, sum(v.d)
  FROM (SELECT f.id,
               {_first_link('f.id')} AS now_first,
               (SELECT min(x.at) FROM (SELECT e.occurred_at AS at FROM encounters_encounterperson e
                                        WHERE e.followup_id = f.id {new_ids} {old_links}) x) AS was_first
          FROM (SELECT DISTINCT followup_id AS id FROM ({touched}) t WHERE followup_id IS NOT NULL) f) f
  JOIN referrals_referral r ON r.followup_id = f.id
  CROSS JOIN LATERAL (VALUES ({_delay_band('f.now_first', 'r.received_at')}, 1),
                             ({_delay_band('f.was_first', 'r.received_at')}, -1)) v(k, d)
 WHERE r.status = 'accepted' AND r.received_at IS NOT NULL AND r.service_id IS NOT NULL
 GROUP BY 1, 2, 3, 4 HAVING sum(v.d) <> 0"""


LINK_TABLE = "encounters_encounterperson"
PART_SOURCES = {"indicators_personyear": person_year_part_sql, "indicators_caseloadyear": caseload_year_part_sql,
                "followups_followup": followup_part_sql, "referrals_referral": referral_part_sql}
# The rows of each source that make a year's parts (the year: parameter `year`).
PART_SOURCE_YEAR = {
    "indicators_personyear": "year = %(year)s",
    "indicators_caseloadyear": "year = %(year)s",
    "followups_followup": "closed_on >= make_date(%(year)s, 1, 1) AND closed_on < make_date(%(year)s + 1, 1, 1)",
    "referrals_referral": (f"received_at >= make_timestamptz(%(year)s, 1, 1, 0, 0, 0, '{_tz()}') "
                           f"AND received_at < make_timestamptz(%(year)s + 1, 1, 1, 0, 0, 0, '{_tz()}')"),
}
# Taken (transaction-level advisory lock) by whatever deletes parts rows — the compaction and the
# rebuild — so that one never deletes the rows the other has just written.
PART_LOCK = 74121


def part_create_sql():
    """The statement-level triggers on the two rollups that append their changes to ServiceYearPart
    as signed deltas (-1 for the old rows, +1 for the new), summed by key within the statement. The
    rollups' own triggers, the rebuild and any hand repair all pass through them."""
    rows = {"ins": "SELECT *, 1 AS d FROM new_rows", "del": "SELECT *, -1 AS d FROM old_rows",
            "upd": "SELECT *, 1 AS d FROM new_rows UNION ALL SELECT *, -1 AS d FROM old_rows"}
    out = []
    for table, part_sql in PART_SOURCES.items():
        for ev, (op, ref) in EVENTS.items():
            name = f"indicators_part_{table}_{ev}"
            out.append(_function(name, f"""
  INSERT INTO {PART_TABLE} (year, service_id, indicator, key, n) {part_sql(rows[ev])};""", declare=""))
            out.append(f"CREATE TRIGGER indicators_part_{ev} AFTER {op} ON {table} {ref}\n"
                       f"  FOR EACH STATEMENT EXECUTE FUNCTION {name}();\n")
    # Encounter links move the accepted referrals' delays (their follow-up's first encounter).
    links = {"ins": ("new_rows", None), "del": (None, "old_rows"), "upd": ("new_rows", "old_rows")}
    for ev, (op, ref) in EVENTS.items():
        name = f"indicators_part_{LINK_TABLE}_{ev}"
        out.append(_function(name, f"""
  INSERT INTO {PART_TABLE} (year, service_id, indicator, key, n) {link_part_sql(*links[ev])};""", declare=""))
        out.append(f"CREATE TRIGGER indicators_part_{ev} AFTER {op} ON {LINK_TABLE} {ref}\n"
                   f"  FOR EACH STATEMENT EXECUTE FUNCTION {name}();\n")
    # A person's dated histories move the situations at entry and at exit of their closed follow-ups.
    for table in HISTORY_TABLES:
        for ev, (op, ref) in EVENTS.items():
            name = f"indicators_part_{table}_{ev}"
            out.append(_function(name, f"""
  INSERT INTO {PART_TABLE} (year, service_id, indicator, key, n) {history_part_sql(table, *links[ev])};""",
                                 declare=""))
            out.append(f"CREATE TRIGGER indicators_part_{ev} AFTER {op} ON {table} {ref}\n"
                       f"  FOR EACH STATEMENT EXECUTE FUNCTION {name}();\n")
    return "".join(out)


PART_DROP_SQL = "".join(f"DROP TRIGGER IF EXISTS indicators_part_{ev} ON {table};\n"
                        f"DROP FUNCTION IF EXISTS indicators_part_{table}_{ev}();\n"
                        for table in (*PART_SOURCES, LINK_TABLE, *HISTORY_TABLES) for ev in EVENTS)


def part_rows_sql(tables=PART_SOURCES, where="true"):
    """SELECT (year, service_id, indicator, key, n) that ServiceYearPart should sum to for the year
    (parameter `year`), recomputed from its sources (the rollups, follow-ups, referrals): the
    backfill, the rebuild and the check. `where`: a further condition on the sources' rows."""
    return " UNION ALL ".join(
        f"({PART_SOURCES[table](f'SELECT *, 1 AS d FROM {table} WHERE {PART_SOURCE_YEAR[table]} AND {where}')})"
        for table in tables)


# One statement: the rows it deletes are exactly the rows it sums (rows committed meanwhile are not
# seen, so not deleted, and still count), and a second compaction at the same time skips the rows
# the first deleted. Readers see the year before or after, never half of it: the sums are the same.
PART_COMPACT_SQL = f"""
WITH d AS (DELETE FROM {PART_TABLE} WHERE year = %(year)s RETURNING year, service_id, indicator, key, n)
INSERT INTO {PART_TABLE} (year, service_id, indicator, key, n)
SELECT year, service_id, indicator, key, sum(n) FROM d GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0"""
