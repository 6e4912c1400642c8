-- 0008_supervision_alerts.sql — electronic supervision's rules, red cards
-- and urges (issue 15 §3, §4; 催办 of issue 14).
--
-- supervision_alerts: one row per finding of a supervision rule (环节超时,
-- 超期办结, 即办件未当日办结, 特别程序超期, 容缺材料逾期, 承诺核查逾期,
-- 理由过短, 多次催办 …). The rules are data (workflows/supervision.xml);
-- the sweep raises each finding once: (rule, application, task, subject)
-- is unique. bureau is the responsible bureau (NULL: the window). A red
-- alert is a red card (红牌): the bureau answers it (情况说明 or 申诉, with
-- an optional attachment in alert_files) and the inspector decides
-- (维持 upheld / 撤销 revoked) with a reason. Statistics count a red card
-- unless it was revoked. Each raise, answer and decision also appends an
-- event to the application's audit chain. No row is ever deleted.
--
-- task_urges: every 催办 of a task by a clerk or an inspector, with its
-- reason; shown on the officer's worklist and counted in supervision.

CREATE TABLE supervision_alerts (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule             text        NOT NULL CHECK (rule ~ '^[a-z_]{1,63}$'),
  level            text        NOT NULL CHECK (level IN ('yellow', 'red')),
  application_id   bigint      NOT NULL REFERENCES applications (id),
  task_id          bigint      REFERENCES tasks (id),
  bureau           text        CHECK (length(bureau) BETWEEN 1 AND 63),
  subject          text        NOT NULL DEFAULT ''
                   CHECK (length(subject) <= 63),
  detail           jsonb       NOT NULL DEFAULT '{}',
  raised_at        timestamptz NOT NULL,
  answer_kind      text        CHECK (answer_kind IN ('explanation', 'appeal')),
  answer_text      text        CHECK (length(answer_text) BETWEEN 1 AND 2000),
  answered_by      bigint      REFERENCES accounts (id),
  answered_at      timestamptz,
  decision         text        CHECK (decision IN ('upheld', 'revoked')),
  decision_reason  text        CHECK (length(decision_reason) BETWEEN 1 AND 2000),
  decided_by       bigint      REFERENCES accounts (id),
  decided_at       timestamptz,
  CHECK ((answer_kind IS NULL) = (answered_at IS NULL)),
  CHECK ((decision IS NULL) = (decided_at IS NULL))
);
CREATE UNIQUE INDEX supervision_alerts_once
  ON supervision_alerts (rule, application_id, COALESCE(task_id, 0), subject);
CREATE INDEX supervision_alerts_raised ON supervision_alerts (raised_at);
CREATE INDEX supervision_alerts_bureau ON supervision_alerts (bureau, level);

CREATE TABLE task_urges (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id         bigint      NOT NULL REFERENCES tasks (id),
  application_id  bigint      NOT NULL REFERENCES applications (id),
  urged_by        bigint      NOT NULL REFERENCES accounts (id),
  urged_role      text        NOT NULL CHECK (urged_role IN ('clerk', 'inspector')),
  reason          text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  urged_at        timestamptz NOT NULL
);
CREATE INDEX task_urges_task ON task_urges (task_id);

CREATE TRIGGER supervision_alerts_no_delete
  BEFORE DELETE ON supervision_alerts
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_removal();
CREATE TRIGGER supervision_alerts_no_truncate
  BEFORE TRUNCATE ON supervision_alerts
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_removal();
CREATE TRIGGER task_urges_no_removal
  BEFORE UPDATE OR DELETE ON task_urges
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_removal();
CREATE TRIGGER task_urges_no_truncate
  BEFORE TRUNCATE ON task_urges
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_removal();

-- alert_files: the attachment of a red card's answer (one at most), its
-- type decided from the bytes like a material's, its SHA-256 carried by
-- the answer's audit event (audit_seq). Never changed nor removed.
CREATE TABLE alert_files (
  alert_id    bigint      PRIMARY KEY REFERENCES supervision_alerts (id),
  content     bytea       NOT NULL,
  sha256      bytea       NOT NULL CHECK (length(sha256) = 32),
  size        bigint      NOT NULL CHECK (size >= 1),
  media_type  text        NOT NULL
              CHECK (media_type IN ('application/pdf', 'image/jpeg',
                                    'image/png')),
  name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  added_by    bigint      NOT NULL,
  audit_seq   integer     NOT NULL CHECK (audit_seq >= 1),
  added_at    timestamptz NOT NULL,
  CHECK (length(content) = size)
);
CREATE TRIGGER alert_files_no_removal
  BEFORE UPDATE OR DELETE ON alert_files
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_removal();
CREATE TRIGGER alert_files_no_truncate
  BEFORE TRUNCATE ON alert_files
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_removal();
CREATE INDEX task_urges_application ON task_urges (application_id);

-- The local date (the calendar's UTC offset) of Unix seconds, as the
-- engine's tb_calendar_day_of reads them: what the sweep compares with
-- deadlines.
CREATE FUNCTION tongban_local_day(secs bigint) RETURNS date
LANGUAGE sql STABLE AS $$
  SELECT (to_timestamp(secs) AT TIME ZONE 'UTC'
          + make_interval(secs => m.utc_offset))::date
  FROM calendar_meta m
$$;

GRANT SELECT, INSERT, UPDATE ON supervision_alerts TO tongban_server;
GRANT SELECT, INSERT ON alert_files TO tongban_server;
GRANT SELECT, INSERT ON task_urges TO tongban_server;
