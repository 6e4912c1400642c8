-- 0011_statistics.sql — what the statistics of electronic supervision
-- (issue 15 §7) read as columns, and the one working-day computation in
-- SQL.
--
-- applications.accepted_at, finished_at: the instants of acceptance and
-- of the end (approved, denied, refused, withdrawn, terminated), the
-- same as the state's accepted_at and finished_at; accepted_by: the
-- account that accepted it (the window clerk). The transition that
-- accepts or finishes sets them in the UPDATE it already sends
-- (store/tb_store_transition.c); the rows before this migration are
-- filled from the state and from their "accept" audit events. Reading
-- them as columns keeps the statistics one scan of applications instead
-- of a JSON parse or an audit look-up per row.
--
-- tb_workdays(x, y): the working days in [x, y) — Monday to Friday,
-- corrected by the calendar's exceptions (a holiday on a weekday is off,
-- a 调休 workday on a weekend is worked) — in constant time plus one
-- index range scan of calendar_days.
-- tb_working_time(a, b): the working time from instant a to instant b in
-- working days, with fractions: each working day counts the share of its
-- 24 hours (local time at calendar_meta.utc_offset) that [a, b) covers;
-- days off count nothing. So 09:00–16:12 of a Monday is 0.3, and Friday
-- 18:00 to Monday 06:00 is 0.25 + 0.25 = 0.5.

ALTER TABLE applications
  ADD COLUMN accepted_at timestamptz,
  ADD COLUMN finished_at timestamptz,
  ADD COLUMN accepted_by bigint;

UPDATE applications a
   SET accepted_at = to_timestamp(nullif((a.state->>'accepted_at')::bigint, 0)),
       finished_at = to_timestamp(nullif((a.state->>'finished_at')::bigint, 0)),
       accepted_by = (SELECT nullif(e.actor_id, 0) FROM audit_events e
                       WHERE e.application_id = a.id AND e.action = 'accept'
                       ORDER BY e.seq DESC LIMIT 1);

CREATE INDEX applications_accepted_at ON applications (accepted_at);
CREATE INDEX applications_finished_at ON applications (finished_at);
CREATE INDEX supervision_alerts_application
  ON supervision_alerts (application_id);

-- Monday to Friday in [1970-01-05 (a Monday), d), negative before it.
CREATE FUNCTION tb_weekdays_before(d date) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT 5 * ((k - ((k % 7) + 7) % 7) / 7) + least(((k % 7) + 7) % 7, 5)
    FROM (SELECT d - date '1970-01-05' AS k) x
$$;

CREATE FUNCTION tb_workdays(x date, y date) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN y <= x THEN 0 ELSE
    tb_weekdays_before(y) - tb_weekdays_before(x)
    + coalesce((SELECT sum(CASE
                  WHEN extract(isodow FROM c.day) < 6 AND c.kind = 'holiday'
                    THEN -1
                  WHEN extract(isodow FROM c.day) >= 6 AND c.kind = 'workday'
                    THEN 1
                  ELSE 0 END)::integer
                  FROM calendar_days c WHERE c.day >= x AND c.day < y), 0)
  END
$$;

-- [a, b) over the working days: W[da, db) less the part of da before a,
-- plus the part of db before b (da, db: the local dates of a and b).
CREATE FUNCTION tb_working_time(a timestamptz, b timestamptz)
RETURNS double precision
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN a IS NULL OR b IS NULL THEN NULL
              WHEN b <= a THEN 0::double precision ELSE
    tb_workdays(la::date, lb::date)
    - tb_workdays(la::date, la::date + 1)
      * extract(epoch FROM la - la::date::timestamp) / 86400
    + tb_workdays(lb::date, lb::date + 1)
      * extract(epoch FROM lb - lb::date::timestamp) / 86400
  END
    FROM (SELECT (a AT TIME ZONE 'UTC') + make_interval(secs => m.utc_offset)
                   AS la,
                 (b AT TIME ZONE 'UTC') + make_interval(secs => m.utc_offset)
                   AS lb
            FROM calendar_meta m LIMIT 1) l
$$;

-- Working days with one decimal: a positive time below 0.05 shows as
-- 0.1, never as 0 (a task done in an hour was not done in no time).
CREATE FUNCTION tb_days1(x double precision) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN x > 0 AND x < 0.05 THEN 0.1 ELSE round(x::numeric, 1) END
$$;

-- n / d with 4 places; NULL when d is 0 or NULL.
CREATE FUNCTION tb_rate(n bigint, d bigint) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN d > 0 THEN round(n::numeric / d, 4) END
$$;

GRANT EXECUTE ON FUNCTION tb_weekdays_before(date), tb_workdays(date, date),
  tb_working_time(timestamptz, timestamptz), tb_days1(double precision),
  tb_rate(bigint, bigint) TO tongban_server;
