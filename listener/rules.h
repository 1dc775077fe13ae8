/* rules.h - godo's audit rules: one table, printed as auditctl lines
 * (godo -rules, and the benchmark gives auditd the very same rules),
 * installed on a control socket, removed exactly, and purged by key after a
 * crashed run. Every rule: list exit, action always, arch= first, then the
 * syscalls, then the filter fields, pid!=<godo>, optionally exe!=<path>,
 * key=godo. Both arch=b64 and arch=b32; a syscall name that the arch lacks
 * is skipped (logged at debug level). Failures are logged where they
 * happen; the kernel is reached through libaudit on the caller's control
 * socket (replies read with listener/nlrecv.h). No function here calls
 * fatal(). */
#ifndef GODO_RULES_H
#define GODO_RULES_H

#include <stdio.h>
#include <sys/types.h>

#define RULES_KEY "godo"

struct rules_opts {
	pid_t pid;               /* -F pid!=pid on every rule; <= 0: none */
	const char *exclude_exe; /* -F exe!=path (e.g. mongod); NULL: none */
};

/* Installed rules: owns a copy of every rule struct as sent, so removal
 * matches the kernel's copy exactly. */
struct rules;

/* Writes one auditctl line per rule ("-a always,exit -F arch=b64 -S ..."),
 * as accepted by auditctl -R (no shell quoting). Returns lines written, -1
 * on a write error or a path with whitespace. */
int rules_print(FILE *out, const struct rules_opts *o);

/* Adds every rule on the control socket ctl (libaudit, ACKed). Rules that
 * fail are logged and not remembered; *failed (may be NULL) gets their
 * number. Returns the handle (possibly holding fewer rules than the table)
 * or NULL when none could be added or memory ran out. */
struct rules *rules_install(int ctl, const struct rules_opts *o, int *failed);

/* Number of rules the handle holds. */
int rules_count(const struct rules *rs);

/* Deletes exactly the rules of rs and frees it (rs may be NULL). A rule
 * already gone (ENOENT) counts as removed. Returns the number removed, or -1
 * when at least one delete failed. */
int rules_remove(int ctl, struct rules *rs);

/* Frees the handle without touching the kernel (what a crash leaves). */
void rules_free(struct rules *rs);

/* Lists the kernel's rules (AUDIT_LIST_RULES) and deletes every rule whose
 * key is exactly key (e.g. left by a crashed godo: its pid!= differs).
 * Returns the number deleted, -1 on error (listing failed or a delete
 * failed). */
int rules_purge(int ctl, const char *key);

/* Counts the kernel's rules whose key is exactly key; -1 on error. */
int rules_count_keyed(int ctl, const char *key);

#endif
