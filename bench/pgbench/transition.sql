-- transition.sql — pgbench's ceiling for one tongban transition: the
-- statements store/tb_store_transition.c runs for a bureau's approval
-- that opens the branch's next task (the tax branch's second task), in
-- one transaction on the same tables: lock the application row and read
-- its state, decide the task, create the next one (a new row numbered
-- by the branch's serial, as since sql/0017_task_verbs.sql), set its deadline
-- timer, append the audit event (hash chain), write the new state and
-- the chain's head, NOTIFY (the event's hash computed in SQL, as
-- sql/0005_audit_guard.sql's trigger checks it). Run with -M prepared
-- (parameters, as tongban sends them) and -D lo=… -D hi=… (the range of application ids).
\set id random(:lo, :hi)
BEGIN;
SELECT id AS app, number, definition_id AS def, definition_version AS ver,
       form::text AS form, state::text AS state, audit_seq AS seq,
       encode(audit_hash, 'hex') AS head
  FROM applications WHERE id >= :id ORDER BY id LIMIT 1 FOR UPDATE \gset
UPDATE tasks SET state = 'decided', decision = 'approve', decided_by = 1,
       decided_at = now(), comment = NULL, items = NULL
 WHERE application_id = :app AND branch = 2 AND step = 0 AND round = 1;
INSERT INTO tasks (application_id, branch, step, round, branch_id, task_id,
                   name, bureau, deadline, serial)
VALUES (:app, 2, 1, 1, 'tax', 'invoice', '发票核定与领用', 'SW',
        current_date + 3,
        (SELECT coalesce(max(serial), 0) + 1 FROM tasks
          WHERE application_id = :app AND branch = 2));
INSERT INTO timers (application_id, kind, subject, due_at)
VALUES (:app, 'task_yellow', 2, now() + interval '3 days')
ON CONFLICT (application_id, kind, subject) DO UPDATE SET due_at = EXCLUDED.due_at;
INSERT INTO audit_events (application_id, seq, actor_id, actor_name, role,
                          bureau, action, payload, at, prev_hash, hash, canon)
SELECT (e).application_id, (e).seq, (e).actor_id, (e).actor_name, (e).role,
       (e).bureau, (e).action, (e).payload, (e).at, (e).prev_hash,
       sha256((e).prev_hash || audit_event_bytes(e, :number::text)), 2
  FROM (SELECT ROW(:app::bigint, (:seq + 1)::integer, 1::bigint, 'sw'::text,
        'officer'::text, 'SW'::text, 'approve'::text,
        '{"data":{"decision":"approve","task":1},"definition":"qykb@1","effects":[{"branch":"tax","deadline":"2026-11-25","effect":"create_task","round":1,"step":1},{"at":1764115200,"effect":"schedule_timer","subject":2,"timer":"step_deadline"}],"event":{"at":1763764800,"branch":"tax","step":0},"from":"in_review","to":"in_review"}',
        now(), decode(:head, 'hex'), NULL::bytea, 2::smallint)::audit_events
        AS e) AS x;
UPDATE applications SET state = :state::jsonb, status = 'in_review',
       warning = 'none', deadline = current_date + 3,
       statutory_deadline = current_date + 5, audit_seq = :seq + 1,
       audit_hash = (SELECT hash FROM audit_events WHERE application_id = :app
                     AND seq = :seq + 1),
       updated_at = now()
 WHERE id = :app;
SELECT pg_notify('tongban', '{"action":"approve","number":"330100202611220000012","seq":9,"status":"in_review","warning":"none"}');
END;
