/*
 * tb_store_cluster_int.h — what the embedded cluster manager's files
 * (tb_store_cluster.c, tb_store_spawn.c) share: running programs and
 * finding PostgreSQL's. Not for use outside them.
 */
#ifndef TB_STORE_CLUSTER_INT_H
#define TB_STORE_CLUSTER_INT_H

#include "tb_store_cluster.h"
#include "tb_store_int.h"

#include <stdbool.h>
#include <stddef.h>

/* Run a program and wait: argv[0] is a path; as_uid/as_gid >= 0 switch to
 * that user in the child (root only); output goes to log_fd if >= 0 (else
 * to /dev/null). Returns the exit status, or -1 when it could not run. */
int tb_store_spawn(char *const argv[], int as_uid, int as_gid, int log_fd);

/* The path of an executable `name` on PATH into out (cap bytes); false
 * when there is none. */
bool tb_store_find_on_path(const char *name, char *out, size_t cap);

/* The same, else the newest /usr/lib/postgresql/N/bin/name. */
bool tb_store_find_program(const char *name, char *out, size_t cap);

#endif /* TB_STORE_CLUSTER_INT_H */
