-- 0018_event_tail.sql — the events every node tails, instead of a NOTIFY
-- in every transaction (issue 18 §1).
--
-- event_tail: one row per change the live streams and the caches hear
-- of, written in the change's own transaction (the payload the NOTIFY
-- used to carry: a JSON object naming the application, or an account
-- whose sessions changed). Every server process tails it by id with one
-- indexed query (store/tb_store_events.c); a NOTIFY on channel
-- "tongban_tail", sent after COMMIT and at most a few times a second per
-- node, only wakes the tailers early. An id is taken when the row is
-- inserted, so rows can commit out of id order: the tailer keeps the ids
-- it skipped until the transactions that could still hold them have
-- ended (pg_current_snapshot). Rows older than a few minutes are
-- deleted by the tailers.
--
-- The triggers write an account's event when one of its sessions is
-- revoked, owes a different step or has its activity written (at most
-- once a minute per session), or when the account's role, bureau,
-- password, groups or enabled state change: every node drops its cached
-- sessions of that account (api/api_session_cache.c), so what another
-- node wrote — or a superuser by hand — holds everywhere within the
-- tail's interval. The account's last log-in is no event.
CREATE TABLE event_tail (
  id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payload  text        NOT NULL,
  at       timestamptz NOT NULL DEFAULT now()
);

-- An account's event also wakes every tailer at once (a NOTIFY, sent
-- at COMMIT): these changes are few (a log-out, a password, a session's
-- activity at most once a minute), unlike the transitions, which never
-- notify.
CREATE FUNCTION event_tail_account(account bigint) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO event_tail (payload)
  VALUES (json_build_object('kind', 'account', 'account', account)::text);
  SELECT pg_notify('tongban_tail', '');
$$;

CREATE FUNCTION event_tail_session_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM event_tail_account(OLD.account_id);
  RETURN NULL;
END
$$;

CREATE FUNCTION event_tail_account_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM event_tail_account(OLD.id);
  RETURN NULL;
END
$$;

CREATE FUNCTION event_tail_groups_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM event_tail_account(NEW.account_id);
  ELSE
    PERFORM event_tail_account(OLD.account_id);
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.account_id <> OLD.account_id THEN
    PERFORM event_tail_account(NEW.account_id);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER sessions_event_tail
  AFTER UPDATE OF revoked_at, pending, expires_at, account_id, last_active_at
  OR DELETE
  ON sessions FOR EACH ROW EXECUTE FUNCTION event_tail_session_changed();

CREATE TRIGGER accounts_event_tail
  AFTER UPDATE OF role, bureau, password_hash, disabled, deleted_at,
                  password_change_required OR DELETE
  ON accounts FOR EACH ROW EXECUTE FUNCTION event_tail_account_changed();

CREATE TRIGGER account_groups_event_tail
  AFTER INSERT OR UPDATE OR DELETE
  ON account_groups FOR EACH ROW EXECUTE FUNCTION event_tail_groups_changed();

GRANT SELECT, INSERT, DELETE ON event_tail TO tongban_server;
