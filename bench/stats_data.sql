-- stats_data.sql — a year of applications for bench_stats, written
-- straight into the tables by SQL (the audit triggers off: the caller sets
-- session_replication_role = replica). tb.n (a setting) is how many
-- applications; the mix is a city hall's: four services, twenty window
-- clerks and online intake without one, 80% completed (one in eight of
-- them denied), durations from an hour to four weeks, two to four
-- bureau tasks each with a return now and then, ratings for 60% of the
-- completed (a bureau's own grade for one in ten), 整改 for each 差评,
-- red alerts on 3% (a fifth of them revoked).
INSERT INTO definitions (id, version, name, sha256, xml) VALUES
  ('qykb', 1, '企业开办', sha256('qykb'), '<bench/>'),
  ('spjy', 1, '食品经营许可', sha256('spjy'), '<bench/>'),
  ('cssj', 1, '出生一件事', sha256('cssj'), '<bench/>'),
  ('sgxk', 1, '建筑工程施工许可', sha256('sgxk'), '<bench/>');
INSERT INTO accounts (id, username, role, password_hash) OVERRIDING SYSTEM VALUE
  SELECT 1000 + i, 'clerk' || i, 'clerk', 'x' FROM generate_series(1, 20) i;

CREATE TEMP TABLE g AS
SELECT i,
       (ARRAY['qykb', 'qykb', 'spjy', 'spjy', 'spjy', 'cssj', 'cssj', 'sgxk'])[(1 + i % 8)::int] AS service,
       timestamptz '2026-01-05 09:00+08' + ((i * 7919) % 360) * interval '1 day'
         + ((i * 104729) % 28800) * interval '1 second' AS acc,
       interval '1 hour' * (1 + (i * 15485863) % 670) AS took,
       (i * 2654435761) % 100 AS r
  FROM generate_series(1::bigint, current_setting('tb.n')::bigint) i;

INSERT INTO applications (number, definition_id, definition_version,
  applicant_kind, applicant_name, applicant_id_number, form, state, status,
  channel, deadline, tracking_code_hash, accepted_at, finished_at, accepted_by)
SELECT '3301002026' || lpad(i::text, 11, '0'), service, 1, 'person', '张三',
       '11010519491231002X', '{}', '{}',
       CASE WHEN r < 70 THEN 'delivered' WHEN r < 80 THEN 'denied' ELSE 'in_review' END,
       CASE WHEN r % 7 = 0 THEN 'online' ELSE 'window' END,
       (acc + interval '14 days')::date, sha256(i::text::bytea), acc,
       CASE WHEN r < 80 THEN acc + took END,
       CASE WHEN r % 7 = 0 THEN NULL ELSE 1001 + (i % 20) END
  FROM g;

-- two to four bureau tasks each, in turn over the application's time
INSERT INTO tasks (application_id, branch, step, round, branch_id, task_id,
  name, bureau, state, deadline, created_at, decided_at, decision)
SELECT a.id, k, 0, 1, 'b' || k, 't', '审查',
       (ARRAY['SCJG', 'GA', 'SW', 'RS', 'WJ'])[(1 + (g.i + k) % 5)::int],
       CASE WHEN a.finished_at IS NULL AND k = 1 + g.i % 3 THEN 'open' ELSE 'decided' END,
       (g.acc + interval '7 days')::date,
       g.acc + g.took * k / 4, CASE WHEN a.finished_at IS NULL AND k = 1 + g.i % 3
         THEN NULL ELSE g.acc + g.took * (k + 1) / 4 END,
       CASE WHEN a.finished_at IS NULL AND k = 1 + g.i % 3 THEN NULL
            WHEN g.r >= 70 AND g.r < 80 AND k = 1 + g.i % 3 THEN 'deny'
            WHEN (g.i * 31 + k) % 20 = 0 THEN 'return' ELSE 'approve' END
  FROM g JOIN applications a ON a.number = '3301002026' || lpad(g.i::text, 11, '0'),
       generate_series(0, (1 + g.i % 3)::int) k;

INSERT INTO ratings (application_id, bureau, grade, rated_at)
SELECT a.id, NULL, 1 + (g.i * 13) % 5, a.finished_at
  FROM g JOIN applications a ON a.number = '3301002026' || lpad(g.i::text, 11, '0')
 WHERE a.finished_at IS NOT NULL AND g.r % 5 < 3;
INSERT INTO ratings (application_id, bureau, grade, rated_at)
SELECT t.application_id, t.bureau, 1 + (t.id * 7) % 5, t.decided_at
  FROM tasks t WHERE t.branch = 0 AND t.id % 10 = 0 AND t.decided_at IS NOT NULL;
INSERT INTO rectifications (rating_id, application_id, bureau, state, due,
  opened_at, reply, replied_at, closed_at)
SELECT id, application_id, bureau, 'closed', (rated_at + interval '7 days')::date,
       rated_at, '已整改', rated_at + interval '1 day' * (id % 12), rated_at + interval '13 days'
  FROM ratings WHERE grade <= 2;

INSERT INTO supervision_alerts (rule, level, application_id, bureau, subject,
  raised_at, decision, decision_reason, decided_by, decided_at)
SELECT 'step_overdue', 'red', a.id, (ARRAY['SCJG', 'GA', 'SW', 'RS', NULL])[(1 + g.i % 5)::int],
       '', g.acc + interval '8 days',
       CASE WHEN g.i % 5 = 0 THEN 'revoked' END, CASE WHEN g.i % 5 = 0 THEN '情况属实，予以撤销' END,
       CASE WHEN g.i % 5 = 0 THEN 1001 END, CASE WHEN g.i % 5 = 0 THEN g.acc + interval '10 days' END
  FROM g JOIN applications a ON a.number = '3301002026' || lpad(g.i::text, 11, '0')
 WHERE g.r % 33 = 0;
ANALYZE;
