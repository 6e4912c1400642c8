-- 0016_account_management.sql — account management, the last log-in
-- and the idle timeout of sessions (issue 17 §4).
--
-- accounts.deleted_at: a deleted account. Its row stays, disabled and
-- with no usable password, because sessions, alerts, tickets and the
-- audit trail name it (by id and by user name): deleting the row would
-- break those references or, with the name free again, let a new
-- account inherit an old one's history. A deleted account is never
-- listed, enabled or logged in again, and its user name is not reused.
-- accounts.last_login_at: the last successful log-in (shown to the
-- administrator).
-- sessions.last_active_at: the last request a person made with the
-- session (written at most once a minute per session); a session idle
-- for longer than the server's idle timeout is refused like an expired
-- one.

ALTER TABLE accounts
  ADD COLUMN deleted_at timestamptz,
  ADD COLUMN last_login_at timestamptz,
  ADD CONSTRAINT accounts_deleted_disabled
    CHECK (deleted_at IS NULL OR disabled);

ALTER TABLE sessions
  ADD COLUMN last_active_at timestamptz NOT NULL DEFAULT now();
