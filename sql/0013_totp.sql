-- 0013_totp.sql — the second factor of administrators and inspectors
-- (issue 17 §4): TOTP (RFC 6238) and recovery codes.
--
-- totp_factors: one row per account that started or finished enrolment.
-- secret is the 160-bit TOTP secret sealed with the server's key
-- (AES-256-GCM, keys/totp.key: 12-byte nonce, ciphertext, 16-byte tag;
-- api/api_totp_codes.c), never in clear. confirmed_at is NULL while the
-- enrolment waits for its first code; last_step is the last 30-second
-- step whose code was accepted, so that no code is accepted twice.
-- totp_recovery_codes: the ten one-time codes of a confirmed factor, kept
-- only as HMAC-SHA-256 under the same key; used_at is set when one is
-- spent. Both go with their account (ON DELETE CASCADE); an administrator's
-- reset deletes them.

CREATE TABLE totp_factors (
  account_id    bigint      PRIMARY KEY
                REFERENCES accounts (id) ON DELETE CASCADE,
  secret        bytea       NOT NULL CHECK (length(secret) = 48),
  confirmed_at  timestamptz,
  last_step     bigint      NOT NULL DEFAULT 0 CHECK (last_step >= 0),
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE totp_recovery_codes (
  account_id  bigint      NOT NULL
              REFERENCES accounts (id) ON DELETE CASCADE,
  code_hash   bytea       NOT NULL CHECK (length(code_hash) = 32),
  used_at     timestamptz,
  PRIMARY KEY (account_id, code_hash)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON totp_factors, totp_recovery_codes
  TO tongban_server;
