# ruff: noqa: S608 — DDL built from constants (settings.TIME_ZONE, act kinds), no input.
"""PostgreSQL triggers that keep the rollups current as encounters and acts are written.

Why triggers and not Django signals: the product writes encounter participants and acts with
`bulk_create` (encounters/services.py), which sends no signal; imports and merges use bulk or raw
writes too. A trigger runs in the writer's transaction for every row however it is written, so the
rollups never lag behind the raw tables. The nightly rebuild (services.refresh_rollups) remains: it
builds a year for the first time and repairs anything written with triggers disabled (bench loads).

Kept current:
- indicators_personyear (service, year, person) from encounters_encounterperson;
- indicators_eventmonth rows of ROLLUP_CODES: encounters_by_place / encounters_by_mode from
  encounters_encounter, acts_by_kind / health_actions from encounters_act (through its encounter).

Years and months are those of the Europe/Paris calendar (settings.TIME_ZONE), as in the engine.
"""

from django.conf import settings

HEALTH_ACT_KINDS = ("health_check", "vaccination", "screening")


def _tz():
    return settings.TIME_ZONE.replace("'", "")


def create_sql():
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


DROP_SQL = """
DROP TRIGGER IF EXISTS indicators_rollup ON encounters_encounter;
DROP TRIGGER IF EXISTS indicators_rollup ON encounters_act;
DROP TRIGGER IF EXISTS indicators_rollup ON encounters_encounterperson;
DROP FUNCTION IF EXISTS indicators_rollup_encounter();
DROP FUNCTION IF EXISTS indicators_rollup_act();
DROP FUNCTION IF EXISTS indicators_rollup_encounterperson();
DROP FUNCTION IF EXISTS indicators_acts_add(bigint, timestamptz, text, int);
DROP FUNCTION IF EXISTS indicators_eventmonth_add(bigint, timestamptz, text, text, int);
"""
