/* tamper.h - tampering with the audit state from the host, checked at
 * every status reply: auditing disabled (auditctl -e 0: enabled again),
 * the audit daemon role taken (taken back with -force, or when its holder
 * is gone; else reported once), godo's rules deleted, changed or blinded by
 * a never rule ahead of them (installed again, not while locked). Each
 * case is a blind interval from the last check that found everything
 * intact until its repair: one gaps document (source "disabled", "daemon",
 * "rules", count 1) and warning lines when it begins and ends. Rules on
 * the task, exclude and filesystem lists are reported once per rise (godo
 * cannot override them). The struct borrows the audit socket, the rules
 * and the writeback for its lifetime; failures are logged by the calls
 * that fail and checked again at the next reply. */
#ifndef GODO_TAMPER_H
#define GODO_TAMPER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "auditsock.h"
#include "rules.h"
#include "rules_check.h"
#include "writeback.h"

/* One blind interval. */
struct blind {
	const char *source; /* the gap's source */
	bool on;            /* seen, not repaired yet */
	int64_t from_ns;    /* the last check that found everything intact */
};

struct tamper {
	struct auditsock *a;  /* borrowed */
	struct rules *rs;     /* borrowed: what rules_check compares with */
	struct writeback *wb; /* borrowed: the gaps go there */
	bool force;           /* -force: take the daemon role back */
	struct blind disabled, displaced, rules;
	int64_t intact_ns;           /* the last check that found all intact */
	int64_t now_ns;              /* the wall clock of the current check */
	int blind_task, blind_other; /* never/exclude rules already logged */
	bool locked_said;            /* locked: repair impossible, said once */
	/* reader mode (tamper_reader): godo reads beside the audit daemon */
	bool reader;
	bool install;         /* may install godo's own rules */
	struct rules **own;   /* main's slot: the rules godo installed */
	struct rules_opts ro; /* how to build them */
	bool blind_exit_said; /* a never rule ahead: reported once */
	/* main's slot for the exclude rule (rules_excl.h); NULL: none */
	struct audit_rule_data **excl;
	pid_t excl_pid; /* its pid!= value */
};

/* now_ns: the wall clock at start (the first blind interval's earliest
 * start). */
void tamper_init(struct tamper *t, struct auditsock *a, struct rules *rs,
                 struct writeback *wb, bool force, int64_t now_ns);
/* The exclude rule godo added (*excl, main's slot; pid its pid!= value):
 * put back with the rules after tampering (auditctl -D takes it too). */
void tamper_set_excl(struct tamper *t, struct audit_rule_data **excl,
                     pid_t pid);
/* Reader mode (-source=multicast or stdin): another process is the audit
 * daemon and owns enabled, the backlog and its rules. Only godo's rules are
 * checked: t->rs (the rules found loaded at start, e.g. by augenrules; may
 * be NULL) or, once godo installed its own, *own. When they are missing and
 * install is set, godo installs its own rules (built from ro: pid!= godo)
 * into *own, which the caller removes at exit; never a purge of other
 * rules, never a prepend ahead of the daemon's never rules (reported
 * only), never the daemon role or enabled. */
void tamper_reader(struct tamper *t, struct rules **own,
                   const struct rules_opts *ro, bool install);
/* After auditsock_status_read: checks and repairs (synchronous netlink
 * round trips on the control socket: rules_check, and the repairs when
 * needed; auditsock_reclaim with force may block up to 6 s). */
void tamper_check(struct tamper *t, int64_t now_ns);
/* At exit: intervals still open end now (their gaps are written). */
void tamper_close(struct tamper *t, int64_t now_ns);

#endif
