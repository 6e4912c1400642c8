-- 0006_holders.sql — one number, one holder (issue 11 §6).
--
-- holders: the one source of truth for "the current name of a number".
-- Intake writes it in the transaction that creates the application: a new
-- number is inserted with the applicant's name; a name that differs from
-- the one on record is refused unless a clerk confirms a change of name,
-- which updates the row and appends "holder_renamed" (old and new name)
-- to the application's audit chain. A license issued to a number that has
-- no row yet (a newborn's citizen ID recorded by a branch) inserts one.
--
-- Filled here from what is already stored: the newest application of each
-- number, then the newest license of numbers no application names.
--
-- tasks.outputs: the data items a decision recorded (field id → the value
-- as text), declared by the task's <output> elements in the definition.

CREATE TABLE holders (
  id_number   text        PRIMARY KEY CHECK (length(id_number) = 18),
  name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  renamed_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO holders (id_number, name)
SELECT DISTINCT ON (applicant_id_number) applicant_id_number, applicant_name
  FROM applications
 WHERE length(applicant_id_number) = 18
 ORDER BY applicant_id_number, id DESC;

INSERT INTO holders (id_number, name)
SELECT DISTINCT ON (holder_id_number) holder_id_number, holder_name
  FROM licenses
 WHERE length(holder_id_number) = 18
 ORDER BY holder_id_number, issued_at DESC, id DESC
ON CONFLICT (id_number) DO NOTHING;

ALTER TABLE tasks ADD COLUMN outputs jsonb;

GRANT SELECT, INSERT, UPDATE ON holders TO tongban_server;
