/* writer.h - godo's writer process (privilege separation, issue 19): the
 * only code that talks to the store. Forked by the recorder (storelink.h)
 * with one end of a SOCK_SEQPACKET socketpair; it closes every other
 * descriptor, chroots into its directory, switches to an unprivileged
 * user ("godo", else "nobody"), which leaves it no capabilities, sets
 * no_new_privs and an allow-list seccomp filter (writerbox.h), opens
 * the store with libmongoc (loaded, before the chroot, from the store
 * module: storemod.h; only writers map it) and then serves frames (frame.h) in
 * its own poll loop: FRAME_BATCH envelopes and FRAME_REPLAY spool files,
 * applied in the order received, flushed through store.c (which keeps its own
 * spool, in <state_dir>/writer/, while the store is down), acknowledged
 * with FRAME_ACK and the store's counters. It exits when the recorder
 * closes the socket. Malformed frames are refused and counted (failed_ops
 * in the stats it reports). */
#ifndef GODO_WRITER_H
#define GODO_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct storelink_opts;

struct writer_cfg {
	char *target, *db, *host, *dir;
	char *module; /* the store module (storemod.h), checked at init */
	uid_t uid;
	gid_t gid;
	bool started; /* a writer ran already: do not ping at start */
	bool chroot;  /* writers chroot into dir (writerbox.h) */
	int ctl;      /* the recorder's end of the monitor's socket */
	pid_t monitor;
};

/* Copies o, resolves the user, creates <state_dir>/writer owned by it,
 * finds and checks the store module the writers load before their chroot
 * (storemod.h; the recorder does not load it). -1 with err filled. */
int writer_cfg_init(struct writer_cfg *c, const struct storelink_opts *o,
                    char *err, size_t errlen);
/* Forks the monitor (a process that keeps CAP_SETUID, CAP_SETGID and,
 * to chroot them, CAP_SYS_CHROOT only, and forks writers on request), then
 * wipes the recorder's copy of the target: from here on only the monitor and
 * the writers hold it. */
int writer_cfg_start(struct writer_cfg *c);
/* Wipes the copy of the target (it may hold a password) and stops the
 * monitor, which exits after its writers: when this returns (within a
 * second, else it logs "did not exit") none of them is left. */
void writer_cfg_free(struct writer_cfg *c);
/* Asks the monitor for a writer (waits for its answer, at most 2 s); *fd
 * is the recorder's end (non-blocking, close-on-exec). -1 logged. */
int writer_spawn(struct writer_cfg *c, int *fd, pid_t *pid);

#endif
