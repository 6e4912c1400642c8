-- 0002_accounts.sql — the REST API's accounts, sessions and failure
-- throttles (issue 4).
--
-- accounts: staff who log in; officers are bound to one bureau. The
-- password is kept only as an scrypt hash with its salt and parameters
-- ("scrypt$N$r$p$SALT$HASH").
-- sessions: bearer tokens, kept as SHA-256 of the token; they expire and
-- can be revoked.
-- auth_failures: one row per failed login or failed tracking look-up,
-- keyed "user:NAME", "addr:IP" or "track:IP"; counted over a window to
-- slow down and lock guessing. Rows older than a day are pruned on insert.

CREATE TABLE accounts (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username       text        NOT NULL UNIQUE
                 CHECK (username ~ '^[A-Za-z0-9._-]{1,64}$'),
  role           text        NOT NULL
                 CHECK (role IN ('admin', 'clerk', 'officer', 'inspector')),
  bureau         text,
  password_hash  text        NOT NULL,
  disabled       boolean     NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CHECK ((role = 'officer') = (bureau IS NOT NULL))
);

CREATE TABLE sessions (
  token_hash  bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
  account_id  bigint      NOT NULL REFERENCES accounts (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE auth_failures (
  key  text        NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
  at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_failures_key ON auth_failures (key, at);

GRANT SELECT, INSERT, UPDATE ON accounts, sessions TO tongban_server;
GRANT SELECT, INSERT, DELETE ON auth_failures TO tongban_server;
