-- 0014_intake.sql — intake that nobody can stop for others (issue 17 §1).
--
-- Application numbers get a 9-digit daily serial (24 characters; the
-- 21-character numbers made before stay valid), and each region and day
-- has two serial pools, each its own row so that one channel never waits
-- on the other's row lock: 'staff' (intake by a logged-in clerk, serials
-- 1 to 199,999,999) and 'public' (anonymous online intake, serials
-- 200,000,000 to 999,999,999). `last` counts within the pool; the store
-- adds the pool's base (store/tb_store_transition.c).
--
-- intake_alerts: a pool ran out (every number of the day was handed
-- out). One row per region, day and pool, with how many intakes were
-- refused; the supervision page shows them to inspectors
-- (GET /api/v1/supervision/intake-alerts).
ALTER TABLE app_serials ADD COLUMN pool text NOT NULL DEFAULT 'staff'
  CHECK (pool IN ('staff', 'public'));
ALTER TABLE app_serials DROP CONSTRAINT app_serials_pkey;
ALTER TABLE app_serials ADD PRIMARY KEY (region, day, pool);
ALTER TABLE app_serials DROP CONSTRAINT app_serials_last_check;
ALTER TABLE app_serials ADD CONSTRAINT app_serials_last_check
  CHECK (last BETWEEN 1 AND 999999999);

ALTER TABLE applications DROP CONSTRAINT applications_number_check;
ALTER TABLE applications ADD CONSTRAINT applications_number_check
  CHECK (length(number) IN (21, 24));

CREATE TABLE intake_alerts (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  region      text        NOT NULL CHECK (region ~ '^[0-9]{6}$'),
  day         date        NOT NULL,
  pool        text        NOT NULL CHECK (pool IN ('staff', 'public')),
  first_at    timestamptz NOT NULL DEFAULT now(),
  last_at     timestamptz NOT NULL DEFAULT now(),
  refused     bigint      NOT NULL DEFAULT 1 CHECK (refused >= 1),
  UNIQUE (region, day, pool)
);
GRANT SELECT, INSERT, UPDATE ON intake_alerts TO tongban_server;
