-- 0010_cards_calendar.sql — one card everywhere, and the calendar shipped
-- and honest (issue 15 §1, §2).
--
-- tasks.warning: the open task's card (none, yellow, red), kept current by
-- every transition like applications.warning (the engine decides it:
-- engine/tb_card.c), so SQL counts and lists read the same answer as the
-- worklist. Part B's rule 环节超时 reads it.
--
-- calendar_meta: where the calendar came from (NULL: nothing was ever
-- loaded; 'shipped': the State Council schedules built into the binary,
-- loaded on first start; 'administrator': `tongban calendar load FILE`,
-- which a later start never overwrites) and the last day it covers (the
-- end of the latest year loaded): deadlines after it are provisional.
--
-- calendar_loads: every load, append-only (a security event): when, from
-- where, the file's name and SHA-256, how many days it marked, and the
-- coverage after it.

ALTER TABLE tasks ADD COLUMN warning text NOT NULL DEFAULT 'none'
  CHECK (warning IN ('none', 'yellow', 'red'));
UPDATE tasks t SET warning = a.state->'branches'->(t.branch::int)->>'warning'
  FROM applications a
 WHERE a.id = t.application_id AND t.state IN ('open', 'claimed')
   AND a.status = 'in_review'
   AND a.state->'branches'->(t.branch::int)->>'warning' IN ('yellow', 'red');
CREATE INDEX tasks_warning ON tasks (warning)
  WHERE state IN ('open', 'claimed') AND warning <> 'none';

ALTER TABLE calendar_meta
  ADD COLUMN source text CHECK (source IN ('shipped', 'administrator')),
  ADD COLUMN covered_until date,
  ADD COLUMN loaded_at timestamptz;
-- a calendar loaded before this migration was an administrator's
UPDATE calendar_meta SET source = 'administrator',
       covered_until = (SELECT make_date(extract(year FROM max(day))::int,
                                         12, 31) FROM calendar_days)
 WHERE version > 0 AND EXISTS (SELECT 1 FROM calendar_days);

CREATE TABLE calendar_loads (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at             timestamptz NOT NULL DEFAULT now(),
  source         text        NOT NULL
                 CHECK (source IN ('shipped', 'administrator')),
  name           text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  sha256         bytea       NOT NULL CHECK (length(sha256) = 32),
  days           integer     NOT NULL CHECK (days >= 0),
  covered_until  date
);

GRANT SELECT, INSERT ON calendar_loads TO tongban_server;
