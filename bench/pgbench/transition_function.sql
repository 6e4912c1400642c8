-- transition_function.sql — the writes of transition.sql as one plpgsql
-- function, for the "one server-side function per transition" form of the
-- round-trip experiment (bench/run --experiments; variants.py writes the
-- script that calls it). Created in the benchmark's throwaway cluster only,
-- never by a migration. Same statements, same values as transition.sql
-- between its locking read and its pg_notify.
CREATE OR REPLACE FUNCTION bench_transition(app bigint, num text, seq integer,
                                            head text, st text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE tasks SET state = 'decided', decision = 'approve', decided_by = 1,
         decided_at = now(), comment = NULL, items = NULL
   WHERE application_id = app AND branch = 2 AND step = 0 AND round = 1;
  INSERT INTO tasks (application_id, branch, step, round, branch_id, task_id,
                     name, bureau, deadline, serial)
  VALUES (app, 2, 1, 1, 'tax', 'invoice', '发票核定与领用', 'SW',
          current_date + 3,
          (SELECT coalesce(max(serial), 0) + 1 FROM tasks
            WHERE application_id = app AND branch = 2));
  INSERT INTO timers (application_id, kind, subject, due_at)
  VALUES (app, 'task_yellow', 2, now() + interval '3 days')
  ON CONFLICT (application_id, kind, subject) DO UPDATE SET due_at = EXCLUDED.due_at;
  INSERT INTO audit_events (application_id, seq, actor_id, actor_name, role,
                            bureau, action, payload, at, prev_hash, hash, canon)
  SELECT (e).application_id, (e).seq, (e).actor_id, (e).actor_name, (e).role,
         (e).bureau, (e).action, (e).payload, (e).at, (e).prev_hash,
         sha256((e).prev_hash || audit_event_bytes(e, num)), 2
    FROM (SELECT ROW(app, seq + 1, 1::bigint, 'sw'::text,
          'officer'::text, 'SW'::text, 'approve'::text,
          '{"data":{"decision":"approve","task":1},"definition":"qykb@1","effects":[{"branch":"tax","deadline":"2026-11-25","effect":"create_task","round":1,"step":1},{"at":1764115200,"effect":"schedule_timer","subject":2,"timer":"step_deadline"}],"event":{"at":1763764800,"branch":"tax","step":0},"from":"in_review","to":"in_review"}',
          now(), decode(head, 'hex'), NULL::bytea, 2::smallint)::audit_events
          AS e) AS x;
  UPDATE applications SET state = st::jsonb, status = 'in_review',
         warning = 'none', deadline = current_date + 3,
         statutory_deadline = current_date + 5, audit_seq = seq + 1,
         audit_hash = (SELECT a.hash FROM audit_events a WHERE a.application_id = app
                       AND a.seq = bench_transition.seq + 1),
         updated_at = now()
   WHERE id = app;
END;
$$;
