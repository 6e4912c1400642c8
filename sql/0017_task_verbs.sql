-- 0017_task_verbs.sql — the verbs of a branch (issue 14): signer slots,
-- assignment to groups and officers, 转办 / 委派 / 加签 / 减签 / 退回 /
-- 撤回, and 抄送.
--
-- tasks: every task is one signer slot's task in a step (engine/README.md,
-- "The verbs of a branch"). A branch numbers its tasks (serial, from 1);
-- a task event names a task by its row, the row names (branch, serial),
-- and the engine acts only when that is the slot's newest task.
--   slot           the signer's place in the step (0 for a one-signer step)
--   serial         the task's number in its branch; unique with the branch
--   signer_kind    who may take it: pool (any officer of the bureau),
--                  group (officers of group_code), officer (assignee_name,
--                  the definition's user name, resolved to assignee when
--                  the task is created), account (assignee, named at run
--                  time by 转办, 委派 or 加签)
--   assignee       the account it is for (officer, account), or NULL
--   delegate_of    a 委派 task: the delegator it goes back to
--   added_by       a 加签 signer's task: who added the signer
--   state          + 'waiting': a signer whose turn has not come (依次,
--                  加签); it opens later with its deadline
--   decision       what the officer did with it: + send_back (退回), and
--                  the verbs that hand a task on (transfer, delegate,
--                  resolve: handed_to names the account it went to)
--   close_reason   why a cancelled task closed without its own decision
--   taken_back_at  撤回: the decision on this task was taken back
--   back_to        退回: the step id the branch went back to
ALTER TABLE tasks
  ADD COLUMN slot smallint NOT NULL DEFAULT 0 CHECK (slot >= 0),
  ADD COLUMN serial integer,
  ADD COLUMN signer_kind text NOT NULL DEFAULT 'pool'
    CHECK (signer_kind IN ('pool', 'group', 'officer', 'account')),
  ADD COLUMN group_code text,
  ADD COLUMN assignee bigint REFERENCES accounts (id),
  ADD COLUMN assignee_name text,
  ADD COLUMN delegate_of bigint REFERENCES accounts (id),
  ADD COLUMN added_by bigint REFERENCES accounts (id),
  ADD COLUMN handed_to bigint REFERENCES accounts (id),
  ADD COLUMN close_reason text CHECK (close_reason IN ('ended', 'not_needed',
    'step_denied', 'returned', 'removed', 'sent_back', 'taken_back',
    'replaced')),
  ADD COLUMN taken_back_at timestamptz,
  ADD COLUMN back_to text;

-- The tasks stored before: one per (branch, step, round), numbered in the
-- order they were created.
UPDATE tasks t SET serial = n.serial
  FROM (SELECT id, row_number() OVER (PARTITION BY application_id, branch
                                      ORDER BY id) AS serial
          FROM tasks) n
 WHERE n.id = t.id;
ALTER TABLE tasks ALTER COLUMN serial SET NOT NULL,
  ADD CONSTRAINT tasks_serial_positive CHECK (serial >= 1),
  ADD CONSTRAINT tasks_branch_serial UNIQUE (application_id, branch, serial),
  DROP CONSTRAINT tasks_application_id_branch_step_round_key,
  DROP CONSTRAINT tasks_state_check,
  ADD CONSTRAINT tasks_state_check
    CHECK (state IN ('waiting', 'open', 'claimed', 'decided', 'cancelled')),
  DROP CONSTRAINT tasks_decision_check,
  ADD CONSTRAINT tasks_decision_check
    CHECK (decision IN ('approve', 'deny', 'return', 'send_back',
                        'transfer', 'delegate', 'resolve')),
  ADD CONSTRAINT tasks_group_kind CHECK ((signer_kind = 'group') =
                                         (group_code IS NOT NULL));
-- An officer's own worklist: what is assigned to them by name.
CREATE INDEX tasks_assignee ON tasks (assignee)
  WHERE state IN ('waiting', 'open', 'claimed');

-- The groups (岗位) of a bureau an officer belongs to (bureaus.xml
-- <group>, e.g. 科长): a group task is for its members. Set by the
-- administrator with the account; checked against bureaus.xml there.
CREATE TABLE account_groups (
  account_id  bigint NOT NULL REFERENCES accounts (id),
  group_code  text   NOT NULL CHECK (group_code ~ '^[A-Za-z0-9_-]{1,32}$'),
  PRIMARY KEY (account_id, group_code)
);

-- 抄送: a completed step copied to a bureau (or one group of it) for
-- information. Read-only for them; nothing waits. read_at: the first
-- officer of the bureau who opened it.
CREATE TABLE task_copies (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  application_id  bigint      NOT NULL REFERENCES applications (id),
  branch          smallint    NOT NULL CHECK (branch >= 0),
  step            smallint    NOT NULL CHECK (step >= 0),
  round           integer     NOT NULL CHECK (round >= 1),
  from_bureau     text        NOT NULL,
  bureau          text        NOT NULL,
  group_code      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  read_by         bigint      REFERENCES accounts (id),
  read_at         timestamptz,
  UNIQUE NULLS NOT DISTINCT (application_id, branch, step, round, bureau,
                             group_code)
);
CREATE INDEX task_copies_bureau ON task_copies (bureau, created_at DESC);

GRANT SELECT, INSERT, UPDATE, DELETE ON account_groups TO tongban_server;
GRANT SELECT, INSERT, UPDATE ON task_copies TO tongban_server;
