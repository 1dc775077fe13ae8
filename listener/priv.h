/* priv.h - after setup, keep only the capabilities godo uses at runtime.
 * godo starts as root with every capability because setup needs them:
 * registering as the audit daemon and installing rules (CAP_AUDIT_CONTROL),
 * subscribing to the proc connector and SO_RCVBUFFORCE (CAP_NET_ADMIN).
 * Once the sockets are open and the rules are in, a bug reachable from a
 * hostile container's strings should not hold the rest of root's power. */
#ifndef GODO_PRIV_H
#define GODO_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The capabilities priv_drop keeps, bit n for capability n:
 *   CAP_AUDIT_CONTROL   AUDIT_GET status polls (lost counter), removing
 *                       godo's rules, restoring the audit settings and
 *                       unregistering at exit;
 *   CAP_SYS_PTRACE      /proc/PID/exe, cwd, root and fd/N links of tasks
 *                       whose capabilities are not a subset of godo's
 *                       (dockerd, containerd, runc, any root process) or
 *                       that are not dumpable (setuid, other users);
 *   CAP_DAC_READ_SEARCH /proc/PID/fd of other users' tasks (mode 0500).
 * Dropped at runtime: CAP_NET_ADMIN (setup only; the proc connector's
 * PROC_CN_MCAST_IGNORE at exit then gets EPERM, which only leaves the
 * kernel's listener count one too high), CAP_AUDIT_READ (godo reads as the
 * registered audit daemon, not from the multicast group), all others. */
uint64_t priv_keep_mask(void);

/* What priv_drop will do, computed from the effective and permitted sets
 * it finds (bit n for capability n). Pure: no system call. */
struct priv_plan {
	uint64_t keep;            /* priv_keep_mask() & permitted: the result */
	bool raise_setpcap;       /* CAP_SETPCAP permitted, not effective: raise
	                           * it for the bounding set, then drop it */
	bool can_narrow_bounding; /* CAP_SETPCAP effective or permitted */
};
void priv_plan_for(uint64_t eff, uint64_t prm, struct priv_plan *plan);

/* Clears the ambient set, drops every capability outside priv_keep_mask()
 * from the bounding set (needs CAP_SETPCAP, dropped last), sets effective
 * and permitted to priv_keep_mask() & permitted, inheritable to 0, and
 * sets no_new_privs. Every step is tried; returns 0 when all succeeded,
 * else -1 with the first failure in err (errlen bytes, may be 0). The
 * process keeps uid 0 either way. */
int priv_drop(char *err, size_t errlen);

/* Privilege separation (-privsep): after the /proc snapshot, drop
 * CAP_SYS_PTRACE from the effective and permitted sets too (its power to
 * write any process's memory through /proc/PID/mem is what a bug in the
 * recorder would want most). From then on /proc/PID/exe, cwd and root of
 * tasks that are not dumpable or hold capabilities godo lacks (root in a
 * container, dockerd, runc) cannot be read: those come from the audit
 * records (SYSCALL exe=, CWD, PATH). 0, or -1 logged. */
int priv_drop_ptrace(void);

/* Effective and permitted sets cut to mask (bit n for capability n),
 * inheritable emptied: the writer's monitor keeps CAP_SETUID and
 * CAP_SETGID only (writer.h). 0, or -1 logged. */
int priv_keep_only(uint64_t mask);

#endif
