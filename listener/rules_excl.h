/* rules_excl.h - the one exclude rule godo adds as the audit daemon:
 * "-a never,exclude -F msgtype=PROCTITLE -F pid!=<godo>".
 *
 * Every audited syscall event carries a PROCTITLE record (the first 128
 * bytes of the process's command line, read by the kernel from the
 * process's memory at syscall exit). godo needs it only as a fallback for
 * an exec whose EXECVE record was lost, yet it is a quarter of the records
 * the kernel sends and godo parses, and its cost falls on the audited
 * process too. So godo, when it owns the audit daemon role, has the kernel
 * drop it (-proctitle keeps it); beside another daemon (auditd) it never
 * does: that daemon's log is not godo's to thin.
 *
 * The rule cannot carry key=godo: the kernel's exclude filter stops at a
 * field it does not evaluate (a key) and then excludes nothing. The
 * pid!= field (godo itself is never audited, so it changes nothing) marks
 * the rule as godo's instead: one of that shape left by a crashed run is
 * deleted at the next start (rules_excl_purge), and rules_check ignores it
 * (rules_excl_is), so it is never taken for a rule that blinds godo.
 * Errors are logged where they happen; no function here calls fatal(). */
#ifndef GODO_RULES_EXCL_H
#define GODO_RULES_EXCL_H

#include <stdbool.h>
#include <sys/types.h>

struct audit_rule_data; /* libaudit.h */

/* Builds the rule for godo's pid (libaudit struct, freed with
 * rules_excl_free); NULL, logged, when out of memory. */
struct audit_rule_data *rules_excl_build(pid_t pid);
/* Builds and adds the rule on the control socket ctl (one already there
 * counts as added). The rule as sent (for rules_excl_remove), or NULL
 * (logged) when it could not be added. */
struct audit_rule_data *rules_excl_install(int ctl, pid_t pid);
/* Deletes the kernel's rules of this shape (a crashed run's). The number
 * deleted, or -1 logged. */
int rules_excl_purge(int ctl);
/* Deletes the rule (already gone counts as removed) and frees it; r may be
 * NULL. 0, or -1 logged. */
int rules_excl_remove(int ctl, struct audit_rule_data *r);
void rules_excl_free(struct audit_rule_data *r);
/* True when a listed kernel rule has this shape (exclude list, never,
 * msgtype=PROCTITLE and pid!=N, nothing else), whichever godo's pid N. */
bool rules_excl_is(const struct audit_rule_data *r);

#endif
