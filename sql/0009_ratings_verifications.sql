-- 0009_ratings_verifications.sql — 好差评 with 差评整改 (国办发〔2019〕51号)
-- and 告知承诺 verification (国办发〔2020〕42号) (issue 15 §5, §6).
--
-- ratings: the applicant's grades (1 非常不满意 … 5 非常满意): one for the
-- whole application (bureau NULL; the same grade as the state's rating)
-- and at most one per bureau whose handling they rate. Filled here from
-- the ratings already kept in applications.state.
-- rectifications (整改): a rating of 1 or 2 opens one for the responsible
-- bureau (NULL: the window), due in working days; the bureau replies to
-- the applicant and records what it changed; the inspector closes it or
-- reopens it (reopened: due again).
-- verifications (事后核查): approval of an application with 告知承诺
-- commitments opens one per responsible bureau, due in the definition's
-- working days; the finding is true or false (a false one revokes the
-- licenses issued on it, terminates what is open and excludes the holder).
-- commitment_exclusions: a holder (one number) who may not choose 告知承诺
-- from from_day to until_day (inclusive), and why.

CREATE TABLE ratings (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  application_id  bigint      NOT NULL REFERENCES applications (id),
  bureau          text        CHECK (length(bureau) BETWEEN 1 AND 63),
  grade           smallint    NOT NULL CHECK (grade BETWEEN 1 AND 5),
  comment         text        CHECK (length(comment) <= 500),
  rated_at        timestamptz NOT NULL
);
CREATE UNIQUE INDEX ratings_once
  ON ratings (application_id, COALESCE(bureau, ''));
CREATE INDEX ratings_bureau ON ratings (bureau, grade);

INSERT INTO ratings (application_id, bureau, grade, rated_at)
SELECT id, NULL, (state->>'rating')::smallint, updated_at
  FROM applications
 WHERE (state->>'rating') IS NOT NULL AND (state->>'rating')::int BETWEEN 1 AND 5;

CREATE TABLE rectifications (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rating_id       bigint      NOT NULL UNIQUE REFERENCES ratings (id),
  application_id  bigint      NOT NULL REFERENCES applications (id),
  bureau          text        CHECK (length(bureau) BETWEEN 1 AND 63),
  state           text        NOT NULL DEFAULT 'open'
                  CHECK (state IN ('open', 'replied', 'closed')),
  due             date        NOT NULL,
  opened_at       timestamptz NOT NULL,
  reply           text        CHECK (length(reply) BETWEEN 1 AND 2000),
  changes         text        CHECK (length(changes) BETWEEN 1 AND 2000),
  replied_by      bigint      REFERENCES accounts (id),
  replied_at      timestamptz,
  review          text        CHECK (length(review) BETWEEN 1 AND 2000),
  reviewed_by     bigint      REFERENCES accounts (id),
  closed_at       timestamptz,
  reopened        integer     NOT NULL DEFAULT 0 CHECK (reopened >= 0)
);
CREATE INDEX rectifications_open ON rectifications (bureau, state, due);

CREATE TABLE verifications (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  application_id  bigint      NOT NULL REFERENCES applications (id),
  bureau          text        NOT NULL CHECK (length(bureau) BETWEEN 1 AND 63),
  materials       jsonb       NOT NULL,
  state           text        NOT NULL DEFAULT 'open'
                  CHECK (state IN ('open', 'true', 'false')),
  due             date        NOT NULL,
  opened_at       timestamptz NOT NULL,
  finding         text        CHECK (length(finding) BETWEEN 1 AND 2000),
  found_by        bigint      REFERENCES accounts (id),
  found_at        timestamptz,
  UNIQUE (application_id, bureau),
  CHECK ((state = 'open') = (found_at IS NULL))
);
CREATE INDEX verifications_open ON verifications (bureau, state, due);

CREATE TABLE commitment_exclusions (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id_number       text        NOT NULL CHECK (length(id_number) = 18),
  application_id  bigint      NOT NULL REFERENCES applications (id),
  reason          text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  from_day        date        NOT NULL,
  until_day       date        NOT NULL CHECK (until_day >= from_day),
  created_at      timestamptz NOT NULL
);
CREATE INDEX commitment_exclusions_holder
  ON commitment_exclusions (id_number, until_day);

CREATE TRIGGER ratings_no_removal
  BEFORE UPDATE OR DELETE ON ratings
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_removal();
CREATE TRIGGER commitment_exclusions_no_removal
  BEFORE UPDATE OR DELETE ON commitment_exclusions
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_removal();

GRANT SELECT, INSERT ON ratings, commitment_exclusions TO tongban_server;
GRANT SELECT, INSERT, UPDATE ON rectifications, verifications TO tongban_server;
