-- 0005_audit_guard.sql — the audit trail, guarded by the database itself,
-- and signed checkpoints over every chain head.
--
-- Until now only the C code kept an application's status, state and chain
-- head (audit_seq, audit_hash) in step with its audit events; the role the
-- server logs in as could append a correctly hashed event that did not
-- link, move a head, change a status with no event, or delete rows. From
-- here the database refuses all of that, for every role that does not turn
-- triggers off (only a superuser or the tables' owner can):
--
--   audit_events, BEFORE INSERT: the event extends its application's chain
--     — seq is past the head and follows an existing event seq - 1 (the
--     primary key forbids a second one), prev_hash is the hash of event
--     seq - 1 (32 zero bytes for event 1),
--     the form is 2 and hash is SHA-256(prev_hash || canonical bytes),
--     recomputed here (audit_event_bytes below, byte for byte what
--     store/tb_store_audit.c hashes, given that the payload is stored in
--     its canonical form as the store does).
--   audit_events, AFTER INSERT, deferred to COMMIT: the application's head
--     has reached the event (no event without its head).
--   applications, BEFORE INSERT: a new application starts with no chain
--     (audit_seq 0, no hash); deferred to COMMIT: by then it has its first
--     event.
--   applications, BEFORE UPDATE: status, state, warning, the deadlines and
--     the head change only when the head moves forward to an event of this
--     transaction with exactly that hash; the number never changes.
--   applications: no DELETE or TRUNCATE for anyone (and no grant).
--
-- The store writes the event first and the head after it in one
-- transaction (store/tb_store_transition.c, store/tb_store_licenses.c):
-- that order passes every check with one index look-up each. Several
-- events of one application in one transaction are fine as long as the
-- head reaches the last of them before COMMIT.
--
-- What the database cannot know is whether a status matches the events
-- (a role that can write events can write a correct one of its own);
-- what it guarantees is that nothing changes without one. A superuser can
-- turn the triggers off: the signed checkpoints below are for that.
--
-- Checkpoints (store/tb_store_checkpoint.c): audit_checkpoints keeps every
-- signed checkpoint — the canonical JSON {"at","prev","root","size"} the
-- platform's audit key signed, its SHA-256 (hash) and the signature; prev
-- is the previous checkpoint's hash, so they form a chain the insert
-- trigger checks. audit_checkpoint_heads keeps the heads each checkpoint's
-- Merkle tree covers, only those that changed since the checkpoint before
-- (a checkpoint's leaves are, per application, its latest row at or
-- before it; seq 0 is a tombstone: an application an earlier checkpoint
-- covered was gone). Both are append-only like audit_events.

-- The bytes an event's hash covers in form 2: RFC 8785 canonical JSON of
-- the event. Every key is ASCII, so sorting is plain; to_json() escapes
-- strings exactly as RFC 8785 does (\b \t \n \f \r, other control
-- characters as \u00xx, '"' and '\', nothing else); the payload is stored
-- canonical and goes in as it is.
CREATE FUNCTION audit_event_bytes(e audit_events, number text) RETURNS bytea
LANGUAGE sql STABLE AS $$
  SELECT convert_to(
    '{"action":' || to_json(e.action)::text ||
    ',"actor":' || e.actor_id::text ||
    ',"actor_name":' || to_json(e.actor_name)::text ||
    ',"application":' || to_json(number)::text ||
    ',"at":"' ||
      to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') ||
    '","bureau":' || coalesce(to_json(e.bureau)::text, 'null') ||
    ',"canon":2,"payload":' || e.payload ||
    ',"role":' || to_json(e.role)::text ||
    ',"seq":' || e.seq::text || '}', 'UTF8')
$$;

CREATE FUNCTION audit_events_link() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  app_number text;
  head integer;
  expected bytea;
BEGIN
  SELECT number, audit_seq INTO app_number, head
    FROM applications WHERE id = NEW.application_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'audit event for a missing application %',
      NEW.application_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF NEW.seq <= head THEN
    RAISE EXCEPTION 'audit event % of % is not past the chain head %',
      NEW.seq, app_number, head USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.seq = 1 THEN
    expected := decode(repeat('00', 32), 'hex');
  ELSE
    SELECT hash INTO expected FROM audit_events
     WHERE application_id = NEW.application_id AND seq = NEW.seq - 1;
  END IF;
  IF expected IS NULL OR NEW.prev_hash <> expected THEN
    RAISE EXCEPTION 'audit event % of % does not link to event %',
      NEW.seq, app_number, NEW.seq - 1 USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.canon <> 2 OR NEW.hash <> sha256(NEW.prev_hash ||
                                          audit_event_bytes(NEW, app_number))
  THEN
    RAISE EXCEPTION 'audit event % of %: its hash does not match its content',
      NEW.seq, app_number USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER audit_events_link
  BEFORE INSERT ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_link();

-- At COMMIT: the head has caught up with every event appended.
CREATE FUNCTION audit_events_head_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM applications WHERE id = NEW.application_id
                   AND audit_seq >= NEW.seq) THEN
    RAISE EXCEPTION 'audit event % was appended but the chain head did not '
      'move to it', NEW.seq USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER audit_events_head_moved
  AFTER INSERT ON audit_events DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION audit_events_head_moved();

CREATE FUNCTION applications_chain_starts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.audit_seq <> 0 OR NEW.audit_hash IS NOT NULL THEN
    RAISE EXCEPTION 'a new application starts with an empty audit chain'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER applications_chain_starts
  BEFORE INSERT ON applications
  FOR EACH ROW EXECUTE FUNCTION applications_chain_starts();

-- At COMMIT: a new application has its first event.
CREATE FUNCTION applications_chain_started() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM applications WHERE id = NEW.id
                   AND audit_seq >= 1) THEN
    RAISE EXCEPTION 'application % has no audit event', NEW.number
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER applications_chain_started
  AFTER INSERT ON applications DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION applications_chain_started();

CREATE FUNCTION applications_guard_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.number IS DISTINCT FROM OLD.number THEN
    RAISE EXCEPTION 'an application''s number never changes'
      USING ERRCODE = 'check_violation';
  END IF;
  IF (NEW.status, NEW.state, NEW.warning, NEW.deadline,
      NEW.statutory_deadline, NEW.audit_seq, NEW.audit_hash)
     IS NOT DISTINCT FROM
     (OLD.status, OLD.state, OLD.warning, OLD.deadline,
      OLD.statutory_deadline, OLD.audit_seq, OLD.audit_hash) THEN
    RETURN NEW;
  END IF;
  IF NEW.audit_seq <= OLD.audit_seq OR NOT EXISTS (
       SELECT 1 FROM audit_events WHERE application_id = NEW.id
          AND seq = NEW.audit_seq AND hash = NEW.audit_hash) THEN
    RAISE EXCEPTION 'application %: status, state and chain head change '
      'only with a new audit event', OLD.number
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER applications_guard_change
  BEFORE UPDATE ON applications
  FOR EACH ROW EXECUTE FUNCTION applications_guard_change();

CREATE FUNCTION audit_refuse_removal() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%: % refused (audited rows are never removed)',
    TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER applications_no_delete
  BEFORE DELETE ON applications
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_removal();
CREATE TRIGGER applications_no_truncate
  BEFORE TRUNCATE ON applications
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_removal();
REVOKE DELETE, TRUNCATE ON applications FROM tongban_server;

CREATE TABLE audit_checkpoints (
  seq        integer     PRIMARY KEY CHECK (seq > 0),
  at         timestamptz NOT NULL,
  size       bigint      NOT NULL CHECK (size >= 0),
  root       bytea       NOT NULL CHECK (length(root) = 32),
  prev       bytea       NOT NULL CHECK (length(prev) = 32),
  hash       bytea       NOT NULL CHECK (length(hash) = 32),
  canonical  text        NOT NULL,
  key_id     text        NOT NULL CHECK (key_id ~ '^[0-9a-f]{40}$'),
  signature  bytea       NOT NULL
);

CREATE TABLE audit_checkpoint_heads (
  checkpoint      integer NOT NULL REFERENCES audit_checkpoints (seq)
                  DEFERRABLE INITIALLY DEFERRED,
  application_id  bigint  NOT NULL,
  number          text    NOT NULL,
  seq             integer NOT NULL CHECK (seq >= 0),
  hash            bytea   NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (application_id, checkpoint)
);

-- A checkpoint extends the chain of checkpoints: the next seq, prev the
-- hash of the one before (32 zero bytes for the first), hash the SHA-256
-- of the canonical text, and the canonical text naming the same prev.
CREATE FUNCTION audit_checkpoints_link() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  last_seq integer;
  last_hash bytea;
BEGIN
  SELECT seq, hash INTO last_seq, last_hash FROM audit_checkpoints
   ORDER BY seq DESC LIMIT 1;
  IF NEW.seq <> coalesce(last_seq, 0) + 1
     OR NEW.prev <> coalesce(last_hash, decode(repeat('00', 32), 'hex'))
     OR NEW.hash <> sha256(convert_to(NEW.canonical, 'UTF8'))
     OR (NEW.canonical::jsonb ->> 'prev') IS DISTINCT FROM
        encode(NEW.prev, 'hex') THEN
    RAISE EXCEPTION 'checkpoint % does not extend the chain of checkpoints',
      NEW.seq USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER audit_checkpoints_link
  BEFORE INSERT ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_link();

CREATE TRIGGER audit_checkpoints_append_only
  BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_removal();
CREATE TRIGGER audit_checkpoints_no_truncate
  BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_removal();
CREATE TRIGGER audit_checkpoint_heads_append_only
  BEFORE UPDATE OR DELETE ON audit_checkpoint_heads
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_removal();
CREATE TRIGGER audit_checkpoint_heads_no_truncate
  BEFORE TRUNCATE ON audit_checkpoint_heads
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_removal();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_checkpoints, audit_checkpoint_heads
  FROM PUBLIC;
GRANT SELECT, INSERT ON audit_checkpoints, audit_checkpoint_heads
  TO tongban_server;
