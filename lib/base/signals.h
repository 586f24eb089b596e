/* signals.h - SIGTERM and SIGINT (what Concourse sends when a build is
 * aborted): turned into an error of the running transfers, so that the
 * command cleans up (aborts the multipart uploads it opened, removes its
 * temporary files) and exits non-zero.
 *
 * The handler only records the signal (async-signal-safe) and arms a 9 s
 * alarm whose default action ends the process, so a cleanup that hangs
 * cannot keep it alive past 10 s. http_run() checks signals_interrupting()
 * between transfer steps (at most a second apart). */
#ifndef GRM_SIGNALS_H
#define GRM_SIGNALS_H

#define SIGNALS_DEADLINE_S 9

/* Install the handlers for SIGTERM and SIGINT. Returns 0, or -1 (errno). */
int signals_install(void);

/* The signal caught (SIGTERM or SIGINT), or 0. */
int signals_caught(void);

/* signals_caught(), unless a cleanup holds it off (signals_hold): the
 * signal that should stop the transfers now, or 0. */
int signals_interrupting(void);

/* Hold off (on = 1) or allow again (on = 0) the interruption of transfers,
 * around the cleanup requests that must still go out after a signal
 * (AbortMultipartUpload). Nests. */
void signals_hold(int on);

/* "SIGTERM", "SIGINT", or "signal N" for sig. */
const char *signals_name(int sig);

#endif
