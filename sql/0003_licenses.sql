-- 0003_licenses.sql — electronic licenses (电子证照, issue 5).
--
-- licenses: one row per issued license, written by the store inside the
-- transaction of the approval that issued it. id is the GB/T 36904
-- identifier; canonical is the signed canonical JSON exactly as signed,
-- signature its DER SM2 signature, key_id the signing certificate's key id
-- and payload the ASCII QR payload ("TB1:…"). The other columns copy what
-- queries need out of the canonical JSON (holder, type, dates).
-- valid_until NULL means long-term (长期). A license is revoked by setting
-- revoked_at, revoked_by and revocation_reason; it is never deleted.
--
-- license_serials: per (license type, issuing bureau) the last serial
-- handed out in identifiers.

CREATE TABLE licenses (
  id                 text        PRIMARY KEY
                     CHECK (id LIKE '1.2.156.3005.2.%' AND length(id) <= 128),
  type_code          text        NOT NULL,
  type_name          text        NOT NULL,
  holder_name        text        NOT NULL,
  holder_id_number   text        NOT NULL,
  issuer             text        NOT NULL,
  issuer_credit_code text        NOT NULL,
  application_id     bigint      NOT NULL REFERENCES applications (id),
  application_number text        NOT NULL,
  issued_at          timestamptz NOT NULL,
  valid_from         date        NOT NULL,
  valid_until        date,
  canonical          text        NOT NULL,
  signature          bytea       NOT NULL,
  key_id             text        NOT NULL CHECK (key_id ~ '^[0-9a-f]{40}$'),
  payload            text        NOT NULL CHECK (payload LIKE 'TB1:%'),
  revoked_at         timestamptz,
  revoked_by         text,
  revocation_reason  text,
  CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL)),
  UNIQUE (application_id, type_code)
);
CREATE INDEX licenses_holder ON licenses (holder_id_number, type_code);

CREATE TABLE license_serials (
  type_code  text   NOT NULL,
  issuer     text   NOT NULL,
  last       bigint NOT NULL CHECK (last > 0),
  PRIMARY KEY (type_code, issuer)
);

GRANT SELECT, INSERT, UPDATE ON licenses, license_serials TO tongban_server;
