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
-- The working-day calendar in SQL, defined once: tb_is_workday says
-- whether a day is worked (Monday to Friday, unless calendar_days makes
-- it a holiday or a 调休 workday); tb_calendar_span numbers the days of a
-- span by the working days before them, so that a statement joins each
-- instant's date to it instead of counting day by day per row;
-- tb_workdays(x, y) counts the working days in [x, y) with it (the
-- supervision overview's count).
--
-- Working time between two instants a < b, in working days with
-- fractions (store/tb_store_stats.c): each working day counts the share
-- of its 24 hours (local time at calendar_meta.utc_offset) that [a, b)
-- covers, days off count nothing — with the span's numbering,
-- before(db) - before(da) - work(da) * frac(a) + work(db) * frac(b).
-- So 09:00–16:12 of a Monday is 0.3, and Friday 18:00 to Monday 06:00 is
-- 0.25 + 0.25 = 0.5.

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

CREATE FUNCTION tb_is_workday(d date, kind text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN kind IS NULL THEN extract(isodow FROM d) < 6
              ELSE kind = 'workday' END
$$;

-- Every day from x to y (inclusive): whether it is worked (w: 1 or 0) and
-- how many working days of the span come before it.
CREATE FUNCTION tb_calendar_span(x date, y date)
RETURNS TABLE (day date, w integer, before integer)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT d, w, (coalesce(sum(w) OVER (ORDER BY d), 0) - w)::integer
    FROM (SELECT g.d::date AS d, tb_is_workday(g.d::date, c.kind)::integer AS w
            FROM generate_series(x, y, interval '1 day') g(d)
            LEFT JOIN calendar_days c ON c.day = g.d::date) s
$$;

CREATE FUNCTION tb_workdays(x date, y date) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(sum(w), 0)::integer FROM tb_calendar_span(x, y - 1)
$$;

-- The working time from local timestamp la to lb, given the span rows of
-- their dates (before and w of each): the formula above.
CREATE FUNCTION tb_span_time(la timestamp, lb timestamp, a_before integer,
                             a_w integer, b_before integer, b_w integer)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN lb > la THEN
    b_before - a_before - a_w * extract(epoch FROM la - la::date) / 86400.0
      + b_w * extract(epoch FROM lb - lb::date) / 86400.0
  ELSE 0 END::double precision
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

GRANT EXECUTE ON FUNCTION tb_is_workday(date, text),
  tb_calendar_span(date, date), tb_workdays(date, date),
  tb_span_time(timestamp, timestamp, integer, integer, integer, integer),
  tb_days1(double precision), tb_rate(bigint, bigint) TO tongban_server;
