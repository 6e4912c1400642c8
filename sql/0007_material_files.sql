-- 0007_material_files.sql — materials are files (issue 12 §1).
--
-- material_files: every file a clerk, an applicant or an officer attached
-- to an application: the bytes, their SHA-256 and size, the type decided
-- from the bytes (never from the client's name or Content-Type), the name
-- as given (only ever shown, never used as a path), who added it and
-- when. A material's files (its pages) are grouped in versions: the
-- files attached between two transitions of the application form one
-- version; the first file after a transition opens the next version and
-- marks the earlier one replaced (replaced_at). An officer's opinion file
-- (意见附件) names its task instead of a material. Each attachment
-- appends an audit event carrying the SHA-256 in the same transaction
-- (audit_seq: that event), so the audit chain covers the content.
--
-- Append-only in spirit: no route deletes a file, and here no role can;
-- an update may only set replaced_at once.
--
-- material_licenses: the e-license that satisfied a material at intake
-- (one number: reused instead of paper), with its status when it was
-- reused; its status now is read from licenses.

CREATE TABLE material_files (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  application_id  bigint      NOT NULL REFERENCES applications (id),
  material        text        CHECK (length(material) BETWEEN 1 AND 63),
  task_id         bigint      REFERENCES tasks (id),
  version         integer     NOT NULL CHECK (version >= 1),
  page            integer     NOT NULL CHECK (page >= 1),
  content         bytea       NOT NULL,
  sha256          bytea       NOT NULL CHECK (length(sha256) = 32),
  size            bigint      NOT NULL CHECK (size >= 1),
  media_type      text        NOT NULL
                  CHECK (media_type IN ('application/pdf', 'image/jpeg',
                                        'image/png')),
  name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  added_by        bigint      NOT NULL DEFAULT 0,
  added_role      text        NOT NULL
                  CHECK (added_role IN ('clerk', 'applicant', 'officer')),
  audit_seq       integer     NOT NULL CHECK (audit_seq >= 1),
  added_at        timestamptz NOT NULL,
  replaced_at     timestamptz,
  CHECK ((material IS NULL) <> (task_id IS NULL)),
  CHECK (length(content) = size),
  UNIQUE (application_id, material, version, page)
);
CREATE INDEX material_files_application ON material_files (application_id);
CREATE INDEX material_files_task ON material_files (task_id)
  WHERE task_id IS NOT NULL;

CREATE FUNCTION material_files_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' OR OLD.replaced_at IS NOT NULL
     OR NEW.replaced_at IS NULL
     OR (NEW.id, NEW.application_id, NEW.material, NEW.task_id, NEW.version,
         NEW.page, NEW.sha256, NEW.size, NEW.media_type, NEW.name,
         NEW.added_by, NEW.added_role, NEW.audit_seq, NEW.added_at)
        IS DISTINCT FROM
        (OLD.id, OLD.application_id, OLD.material, OLD.task_id, OLD.version,
         OLD.page, OLD.sha256, OLD.size, OLD.media_type, OLD.name,
         OLD.added_by, OLD.added_role, OLD.audit_seq, OLD.added_at)
     OR NEW.content IS DISTINCT FROM OLD.content THEN
    RAISE EXCEPTION 'material_files: % refused (a file is only ever marked '
      'replaced, once)', TG_OP USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER material_files_guard
  BEFORE UPDATE OR DELETE ON material_files
  FOR EACH ROW EXECUTE FUNCTION material_files_guard();
CREATE TRIGGER material_files_no_truncate
  BEFORE TRUNCATE ON material_files
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_removal();

CREATE TABLE material_licenses (
  application_id   bigint      NOT NULL REFERENCES applications (id),
  material         text        NOT NULL
                   CHECK (length(material) BETWEEN 1 AND 63),
  license_id       text        NOT NULL REFERENCES licenses (id),
  status_at_reuse  text        NOT NULL
                   CHECK (status_at_reuse IN ('valid', 'revoked', 'expired')),
  reused_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (application_id, material)
);

REVOKE DELETE, TRUNCATE ON material_files FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON material_files TO tongban_server;
GRANT SELECT, INSERT ON material_licenses TO tongban_server;
