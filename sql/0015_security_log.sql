-- 0015_security_log.sql — the security log: one append-only hash chain of
-- security events (logins, logouts, account and role changes, definition
-- deployments, key rotations, calendar loads …), guarded by the database
-- like the applications' audit events (sql/0005_audit_guard.sql) and
-- covered by the signed checkpoints (store/tb_store_security_log.c).
--
-- security_events, one row an event, seq 1, 2, … without gaps:
--   kind        what happened ("login", "logout", "account_created",
--               "definition_deployed", "key_rotated", "calendar_loaded" …;
--               lower case words joined by '_', so that a new kind needs
--               no migration)
--   actor_kind  who did it: 'account' (a logged-in user, actor is the user
--               name), 'cli' (a `tongban` command, actor is the operating
--               system's user), 'system' (the server itself, at its start),
--               'anonymous' (no session: a login attempt)
--   address     the client's address for requests, NULL otherwise
--   subject     what it was done to, "TYPE:NAME": "account:alice",
--               "definition:qykb@3", "key:sw", "calendar:2027" …
--   outcome     'ok', 'failed' (a wrong password …), 'locked' (refused by
--               a lockout) or 'refused' (not allowed)
--   details     a JSON object, stored in its RFC 8785 canonical form
--   hash        SHA-256(prev_hash || canonical bytes), prev_hash the hash of
--               event seq - 1 (32 zero bytes for the first); the canonical
--               bytes are RFC 8785 canonical JSON of
--                 {"actor","actor_kind","address","at","details","kind",
--                  "outcome","seq","subject"}
--               (at: UTC "YYYY-MM-DDTHH:MM:SS.ffffffZ"), recomputed below.
--
-- BEFORE INSERT the event must extend the chain: the next seq, prev_hash
-- the hash of the event before, and hash recomputed here. Inserts are
-- serialized by a transaction-level advisory lock (the store takes it
-- before it reads the head, and the trigger takes it too). UPDATE, DELETE
-- and TRUNCATE are refused for every role that does not turn triggers
-- off, and the server role has no grant for them. Against a superuser the
-- checkpoints sign the chain's head ({"seq","hash"} under "security").

CREATE TABLE security_events (
  seq         bigint      PRIMARY KEY CHECK (seq > 0),
  at          timestamptz NOT NULL,
  kind        text        NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,63}$'),
  actor_kind  text        NOT NULL
              CHECK (actor_kind IN ('account', 'cli', 'system', 'anonymous')),
  actor       text        CHECK (length(actor) BETWEEN 1 AND 64),
  address     text        CHECK (length(address) BETWEEN 1 AND 64),
  subject     text        NOT NULL CHECK (length(subject) <= 200),
  outcome     text        NOT NULL
              CHECK (outcome IN ('ok', 'failed', 'locked', 'refused')),
  details     text        NOT NULL CHECK (length(details) <= 8192),
  prev_hash   bytea       NOT NULL CHECK (length(prev_hash) = 32),
  hash        bytea       NOT NULL CHECK (length(hash) = 32)
);
CREATE INDEX security_events_kind ON security_events (kind, seq);
CREATE INDEX security_events_actor ON security_events (actor, seq);
CREATE INDEX security_events_at ON security_events (at);

-- The bytes an event's hash covers: RFC 8785 canonical JSON, byte for byte
-- what store/tb_store_security_log.c hashes (every key ASCII, sorted;
-- to_json escapes as RFC 8785 does; details stored canonical).
CREATE FUNCTION security_event_bytes(e security_events) RETURNS bytea
LANGUAGE sql STABLE AS $$
  SELECT convert_to(
    '{"actor":' || coalesce(to_json(e.actor)::text, 'null') ||
    ',"actor_kind":' || to_json(e.actor_kind)::text ||
    ',"address":' || coalesce(to_json(e.address)::text, 'null') ||
    ',"at":"' ||
      to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') ||
    '","details":' || e.details ||
    ',"kind":' || to_json(e.kind)::text ||
    ',"outcome":' || to_json(e.outcome)::text ||
    ',"seq":' || e.seq::text ||
    ',"subject":' || to_json(e.subject)::text || '}', 'UTF8')
$$;

CREATE FUNCTION security_events_link() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  last_seq bigint;
  last_hash bytea;
BEGIN
  PERFORM pg_advisory_xact_lock(7291000015);
  SELECT seq, hash INTO last_seq, last_hash FROM security_events
   ORDER BY seq DESC LIMIT 1;
  IF NEW.seq <> coalesce(last_seq, 0) + 1
     OR NEW.prev_hash <> coalesce(last_hash, decode(repeat('00', 32), 'hex'))
  THEN
    RAISE EXCEPTION 'security event % does not extend the security log '
      '(its head is %)', NEW.seq, coalesce(last_seq, 0)
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.details::jsonb IS NULL OR jsonb_typeof(NEW.details::jsonb) <> 'object'
     OR NEW.hash <> sha256(NEW.prev_hash || security_event_bytes(NEW)) THEN
    RAISE EXCEPTION 'security event %: its hash does not match its content',
      NEW.seq USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER security_events_link
  BEFORE INSERT ON security_events
  FOR EACH ROW EXECUTE FUNCTION security_events_link();

CREATE TRIGGER security_events_append_only
  BEFORE UPDATE OR DELETE ON security_events
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_removal();
CREATE TRIGGER security_events_no_truncate
  BEFORE TRUNCATE ON security_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_removal();

REVOKE UPDATE, DELETE, TRUNCATE ON security_events FROM PUBLIC;
GRANT SELECT, INSERT ON security_events TO tongban_server;
