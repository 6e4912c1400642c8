-- 0001_init.sql — tongban's first schema.
--
-- Applied by `tongban migrate` inside one transaction and recorded in
-- schema_migrations (which the runner creates). Everything the server
-- writes is here: loaded workflow definitions, applications with their
-- engine state, tasks, timers, the append-only audit chain, idempotency
-- keys and the working-day calendar.
--
-- The role `tongban_server` is what the running server needs: full DML on
-- the working tables, but only SELECT and INSERT on audit_events. Grant it
-- to the login role the server uses (the embedded default does so itself).

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tongban_server') THEN
    CREATE ROLE tongban_server NOLOGIN;
  END IF;
END
$$;

-- Workflow definitions, by (id, version). The XML is kept so that every
-- server process rebuilds exactly the definition an application started
-- with; sha256 refuses a changed file under an existing version.
CREATE TABLE definitions (
  id          text        NOT NULL CHECK (length(id) BETWEEN 1 AND 63),
  version     integer     NOT NULL CHECK (version > 0),
  name        text        NOT NULL,
  sha256      bytea       NOT NULL CHECK (length(sha256) = 32),
  xml         text        NOT NULL,
  file        text        NOT NULL DEFAULT '',
  loaded_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, version)
);

-- The bureaus of workflows/bureaus.xml, kept as loaded so that stored
-- definitions can be rebuilt (they reference bureaus by code).
CREATE TABLE bureau_lists (
  sha256      bytea       PRIMARY KEY CHECK (length(sha256) = 32),
  xml         text        NOT NULL,
  loaded_at   timestamptz NOT NULL DEFAULT now()
);

-- Per region and day, the last serial handed out in application numbers.
CREATE TABLE app_serials (
  region      text    NOT NULL CHECK (region ~ '^[0-9]{6}$'),
  day         date    NOT NULL,
  last        integer NOT NULL CHECK (last BETWEEN 1 AND 999999),
  PRIMARY KEY (region, day)
);

-- One row per application. `state` is the engine's tb_app_state encoded as
-- JSON by store/tb_store_state.c; status, warning and the deadlines are
-- copied into plain columns for queries.
CREATE TABLE applications (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  number              text    NOT NULL UNIQUE CHECK (length(number) = 21),
  definition_id       text    NOT NULL,
  definition_version  integer NOT NULL,
  applicant_kind      text    NOT NULL
                      CHECK (applicant_kind IN ('person', 'organization')),
  applicant_name      text    NOT NULL,
  applicant_id_number text    NOT NULL,
  form                jsonb   NOT NULL,
  state               jsonb   NOT NULL,
  status              text    NOT NULL,
  warning             text    NOT NULL DEFAULT 'none'
                      CHECK (warning IN ('none', 'yellow', 'red')),
  channel             text    NOT NULL CHECK (channel IN ('window', 'online')),
  deadline            date,
  statutory_deadline  date,
  tracking_code_hash  bytea   NOT NULL CHECK (length(tracking_code_hash) = 32),
  audit_seq           integer NOT NULL DEFAULT 0,
  audit_hash          bytea,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (definition_id, definition_version)
    REFERENCES definitions (id, version)
);
CREATE INDEX applications_applicant ON applications (applicant_id_number);
CREATE INDEX applications_status ON applications (status, deadline);
CREATE INDEX applications_definition
  ON applications (definition_id, definition_version);

-- One row per task the engine created (effect CREATE_TASK); a return and
-- resubmission creates the next round.
CREATE TABLE tasks (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  application_id  bigint   NOT NULL REFERENCES applications (id),
  branch          smallint NOT NULL CHECK (branch >= 0),
  step            smallint NOT NULL CHECK (step >= 0),
  round           integer  NOT NULL CHECK (round >= 1),
  branch_id       text     NOT NULL,
  task_id         text     NOT NULL,
  name            text     NOT NULL,
  bureau          text     NOT NULL,
  state           text     NOT NULL DEFAULT 'open'
                  CHECK (state IN ('open', 'claimed', 'decided', 'cancelled')),
  claimant        bigint,
  claimed_at      timestamptz,
  deadline        date,
  created_at      timestamptz NOT NULL DEFAULT now(),
  decided_at      timestamptz,
  decided_by      bigint,
  decision        text CHECK (decision IN ('approve', 'deny', 'return')),
  comment         text,
  items           jsonb,
  UNIQUE (application_id, branch, step, round)
);
CREATE INDEX tasks_queue ON tasks (bureau, state)
  WHERE state IN ('open', 'claimed');

-- Pending timers, one per (application, kind, subject): scheduling again
-- replaces the due time. Claimed with FOR UPDATE SKIP LOCKED and deleted
-- in the transaction that fires them.
CREATE TABLE timers (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  application_id  bigint      NOT NULL REFERENCES applications (id),
  kind            text        NOT NULL,
  subject         smallint    NOT NULL CHECK (subject >= 0),
  due_at          timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (application_id, kind, subject)
);
CREATE INDEX timers_due ON timers (due_at);

-- The audit trail: one event per transition, chained per application.
-- hash = SHA-256(prev_hash || canonical bytes of the event), where the
-- canonical bytes are the compact JSON object with sorted keys
--   {"action","actor","actor_name","application","at","bureau","payload",
--    "role","seq"}
-- (at: UTC "YYYY-MM-DDTHH:MM:SS.ffffffZ"; payload: the stored text as is).
-- prev_hash of the first event is 32 zero bytes. Append-only: a trigger
-- refuses UPDATE, DELETE and TRUNCATE, and the server role has no grant.
CREATE TABLE audit_events (
  application_id  bigint      NOT NULL REFERENCES applications (id),
  seq             integer     NOT NULL CHECK (seq > 0),
  actor_id        bigint      NOT NULL DEFAULT 0,
  actor_name      text        NOT NULL,
  role            text        NOT NULL,
  bureau          text,
  action          text        NOT NULL,
  payload         text        NOT NULL,
  at              timestamptz NOT NULL,
  prev_hash       bytea       NOT NULL CHECK (length(prev_hash) = 32),
  hash            bytea       NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (application_id, seq)
);

CREATE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_events_append_only
  BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();

-- Idempotency keys: the first answer to a state-changing request, replayed
-- for the same key until expires_at. status is NULL only inside the
-- transaction of the first request.
CREATE TABLE idempotency_keys (
  scope         text        NOT NULL DEFAULT '',
  key           text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  fingerprint   bytea       NOT NULL CHECK (length(fingerprint) = 32),
  status        integer,
  content_type  text,
  body          text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- The working-day calendar: exceptions to "Monday to Friday".
-- calendar_meta.version is bumped by every load so caches can notice.
CREATE TABLE calendar_days (
  day        date        PRIMARY KEY,
  kind       text        NOT NULL CHECK (kind IN ('holiday', 'workday')),
  loaded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE calendar_meta (
  only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  version     bigint  NOT NULL,
  utc_offset  integer NOT NULL
);
INSERT INTO calendar_meta (only_row, version, utc_offset) VALUES (true, 0, 28800);

REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO tongban_server;
GRANT SELECT ON schema_migrations TO tongban_server;
GRANT SELECT, INSERT, UPDATE, DELETE
  ON definitions, bureau_lists, app_serials, applications, tasks, timers,
     idempotency_keys, calendar_days, calendar_meta
  TO tongban_server;
GRANT SELECT, INSERT ON audit_events TO tongban_server;
