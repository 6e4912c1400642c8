-- 0004_audit_canon.sql — the audit chain's canonical form gets a version.
--
-- An event's hash covers "canonical bytes" of the event; audit_events.canon
-- says which form (store/tb_store_audit.c describes both):
--   1  the store's own compact JSON, written before this migration: every
--      row already in the table keeps it (the default fills them in) and
--      is verified in that form;
--   2  RFC 8785 canonical JSON of the event with "canon":2 among its
--      members, so that the version itself is under the hash: what the
--      store writes from now on.
-- Adding a column with a constant default rewrites no row, so the
-- append-only triggers are not involved.

ALTER TABLE audit_events
  ADD COLUMN canon smallint NOT NULL DEFAULT 1 CHECK (canon IN (1, 2));
