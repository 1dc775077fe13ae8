/* rules_excl.c - see rules_excl.h. */
#include "rules_excl.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libaudit.h>

#include "log.h"
#include "rules.h"
#include "rules_kern.h"

#define EXCL_LIST AUDIT_FILTER_EXCLUDE
#define PROCTITLE_TYPE 1327 /* AUDIT_PROCTITLE */

/* Set by hand: libaudit checks the exclude list's fields against the
 * kernel's feature bitmap, a netlink round trip for two known fields. */
struct audit_rule_data *
rules_excl_build(pid_t pid)
{
	struct audit_rule_data *r = audit_rule_create_data();

	if (r == NULL) {
		log_warnx("rules: out of memory for the exclude rule");
		return NULL;
	}
	r->fields[0] = AUDIT_MSGTYPE;
	r->values[0] = PROCTITLE_TYPE;
	r->fieldflags[0] = AUDIT_EQUAL;
	r->fields[1] = AUDIT_PID;
	r->values[1] = (uint32_t)pid;
	r->fieldflags[1] = AUDIT_NOT_EQUAL;
	r->field_count = 2;
	return r;
}

struct audit_rule_data *
rules_excl_install(int ctl, pid_t pid)
{
	struct audit_rule_data *r = rules_excl_build(pid);
	int rc;

	if (r == NULL)
		return NULL;
	rc = audit_add_rule_data(ctl, r, EXCL_LIST, AUDIT_NEVER);
	if (rc > 0 || rc == -EEXIST)
		return r;
	errno = rc < 0 ? -rc : EIO;
	log_warn("rules: add never,exclude msgtype=PROCTITLE");
	audit_rule_free_data(r);
	return NULL;
}

int
rules_excl_purge(int ctl)
{
	return rules_purge_where(ctl, NULL, rules_excl_is, "exclude rules");
}

int
rules_excl_remove(int ctl, struct audit_rule_data *r)
{
	int rc;

	if (r == NULL)
		return 0;
	rc = audit_delete_rule_data(ctl, r, EXCL_LIST, AUDIT_NEVER);
	audit_rule_free_data(r);
	if (rc > 0 || rc == -ENOENT)
		return 0;
	errno = rc < 0 ? -rc : EIO;
	log_warn("rules: delete never,exclude msgtype=PROCTITLE");
	return -1;
}

void
rules_excl_free(struct audit_rule_data *r)
{
	if (r != NULL)
		audit_rule_free_data(r);
}

bool
rules_excl_is(const struct audit_rule_data *r)
{
	bool type = false, pid = false;
	uint32_t i;

	if ((r->flags & ~AUDIT_FILTER_PREPEND) != EXCL_LIST ||
	    r->action != AUDIT_NEVER || r->field_count != 2)
		return false;
	for (i = 0; i < r->field_count; i++) {
		uint32_t op = r->fieldflags[i] & AUDIT_OPERATORS;

		if (r->fields[i] == AUDIT_MSGTYPE &&
		    r->values[i] == PROCTITLE_TYPE && op == AUDIT_EQUAL)
			type = true;
		else if (r->fields[i] == AUDIT_PID && op == AUDIT_NOT_EQUAL)
			pid = true;
	}
	return type && pid;
}
