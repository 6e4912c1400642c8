-- 0012_session_steps.sql — steps a session must take before it may do
-- anything else (issue 17 §4).
--
-- accounts.password_change_required: an administrator set or reset the
-- password; the account's next login must choose its own.
-- sessions.pending: the steps still owed by this session, as bits
-- (1: change the password, 2: enrol a second factor). While any is
-- pending the session may only take those steps or log out; each step
-- clears its bit.

ALTER TABLE accounts
  ADD COLUMN password_change_required boolean NOT NULL DEFAULT false;

ALTER TABLE sessions
  ADD COLUMN pending smallint NOT NULL DEFAULT 0
  CHECK (pending BETWEEN 0 AND 3);
