/* rules_check.h - has anyone changed godo's audit rules? The kernel's rule
 * list compared with godo's rule set (rules.h), for the status poll: rules
 * deleted or changed, and never rules that blind them. Repair is
 * rules_reinstall (rules.h). Errors are logged where they happen. */
#ifndef GODO_RULES_CHECK_H
#define GODO_RULES_CHECK_H

#include <stdbool.h>

#include "rules.h"

/* Tamper detection, for the status poll. What the kernel's rule list
 * holds compared with godo's rules (rs). */
struct rules_check {
	int listed;   /* rules in the kernel, every list */
	int expected; /* rules in rs */
	int present;  /* of rs, found unchanged (each matched once) */
	int missing;  /* of rs, not found: deleted or changed */
	int alien;    /* key=godo rules that are none of rs's (changed) */
	/* never rules on the exit list before one of godo's rules they
	 * overlap (common syscall, same or no arch): events godo's rule
	 * would record are not (e.g. a prepended -A exit,never -S all) */
	int blind_exit;
	/* never rules on the task list: the tasks they match are not
	 * audited at all; prepending cannot help (report only) */
	int blind_task;
	/* rules on the exclude and filesystem lists: records of some types
	 * or file systems may be dropped (report only) */
	int blind_other;
};

/* Lists the kernel's rules (AUDIT_LIST_RULES on ctl) and compares them
 * with rs: 0 with *c filled, -1 (logged) when the listing failed. One
 * netlink round trip of listed+1 messages (about 0.1 ms for godo's 22
 * rules: tests/integration/test_kernel.c measures it), cheap enough for
 * every status poll. Drains ctl first: call it after the status replies
 * were read (auditsock_status_read), a reply drained is a poll missed. */
int rules_check(int ctl, const struct rules *rs, struct rules_check *c);

/* The pure part of rules_check: listed[0..n) in the kernel's order, each
 * whole (sizeof + buflen bytes). 0, or -1 logged (out of memory). */
int rules_check_list(const struct rules *rs,
                     struct audit_rule_data *const *listed, int n,
                     struct rules_check *c);

/* godo's rules are all there, unchanged, and no never rule on the exit
 * list comes before them (blind_task and blind_other are reported, not
 * repairable by re-installing). */
bool rules_check_intact(const struct rules_check *c);

/* Field by field equality of two rules as the kernel lists them: list
 * (the prepend flag aside: the kernel forgets it once the rule is placed),
 * action, syscall mask, fields, operators, values and strings (key,
 * exe). */
bool rules_same(const struct audit_rule_data *a,
                const struct audit_rule_data *b);

#endif
