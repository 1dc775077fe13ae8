/* rules.h - godo's audit rules: one table, printed as auditctl lines
 * (godo -rules, and the benchmark gives auditd the very same rules),
 * installed on a control socket, removed exactly, purged by key after a
 * crashed run, and checked against the kernel's list on every status poll
 * (re-installed when deleted, changed or blinded by a never rule ahead of
 * them). Every rule: list exit, action always, arch= first, then the
 * syscalls, then the filter fields, pid!=<godo>, sessionid!=<godo's>
 * (ownsess.h: all of godo's processes), optionally exe!=<path>, key=godo.
 * Both arch=b64 and arch=b32; a syscall name that the arch lacks is
 * skipped (logged at debug level). Failures are logged where they
 * happen; the kernel is reached through libaudit on the caller's control
 * socket (replies read with listener/nlrecv.h). No function here calls
 * fatal(). */
#ifndef GODO_RULES_H
#define GODO_RULES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct audit_rule_data; /* libaudit.h */

#define RULES_KEY "godo"
#define RULES_MAX 32 /* rules in godo's table, both arches */

struct rules_opts {
	pid_t pid;               /* -F pid!=pid on every rule; <= 0: none */
	const char *exclude_exe; /* -F exe!=path (e.g. mongod); NULL: none */
	uint32_t sessionid;      /* -F sessionid!=id (ownsess.h); 0: none */
};

/* Installed rules: owns a copy of every rule struct as sent, so removal
 * matches the kernel's copy exactly. */
struct rules;

/* Writes one auditctl line per rule ("-a always,exit -F arch=b64 -S ..."),
 * as accepted by auditctl -R (no shell quoting). Returns lines written, -1
 * on a write error or a path with whitespace. */
int rules_print(FILE *out, const struct rules_opts *o);

/* Builds the rule structs without touching the kernel (what
 * rules_install adds, and what rules_check compares with). Rules that
 * cannot be built are logged and counted in *failed (may be NULL). NULL
 * when none could be built. Free with rules_free. */
struct rules *rules_build(const struct rules_opts *o, int *failed);

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

/* Repairs after tampering: deletes every key=godo rule left in the kernel
 * (rules_purge), then adds rs's rules again; with prepend at the head of
 * the exit list (AUDIT_FILTER_PREPEND, in the table's order), ahead of a
 * never rule that blinded them; rules_remove deletes them as before.
 * Returns 0, or -1 (logged)
 * when the purge or an add failed; a rule that could not be added stays
 * in rs and shows as missing in the next rules_check. */
int rules_reinstall(int ctl, struct rules *rs, bool prepend);

/* Rule i of rs (0 <= i < rules_count), NULL otherwise; for tests. */
const struct audit_rule_data *rules_get(const struct rules *rs, int i);

#endif
