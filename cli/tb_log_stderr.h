/*
 * tb_log_stderr.h — the logger's sink for programs (the `tongban` binary
 * and the test programs): every line of engine/tb_log.h goes to stderr
 * behind a UTC timestamp,
 *
 *   ts=2026-11-21T08:00:00.123Z level=info module=store msg="..."
 *
 * written whole with one write(2), so lines of different threads never
 * interleave.
 *
 * A server turns on buffering while it runs: info and debug lines are then
 * gathered in a buffer per thread and written a buffer at a time, so a
 * request's access line costs no write(2) of its own and takes no lock
 * another thread holds (bench/README.md tells why). A flusher thread writes
 * what waits every 100 ms, so a line reaches stderr within that time even
 * when its thread goes idle; lines of different threads may then appear up
 * to 100 ms out of order. Warnings and errors are never held back: the
 * thread's waiting lines are written first, then the warning, at once.
 */
#ifndef TB_LOG_STDERR_H
#define TB_LOG_STDERR_H

#include <stdbool.h>

/* Install the sink (tb_log_set_sink). Call it first thing in main, before
 * any thread starts; calling it again changes nothing. */
void tb_log_stderr_install(void);

/* Set the logger's least level from a name (debug, info, warn, error,
 * any case); false, after a message on stderr naming `where` (the option
 * or variable it came from), when the name is none of them. */
bool tb_log_stderr_level(const char *name, const char *where);

/* Start buffering (the flusher thread); counted, so every start is paired
 * with a stop. false when the thread cannot start: lines are then written
 * one by one, as before. */
bool tb_log_stderr_buffer_start(void);
/* Stop buffering when the last start is stopped, and write every line
 * that waits. */
void tb_log_stderr_buffer_stop(void);

#endif /* TB_LOG_STDERR_H */
