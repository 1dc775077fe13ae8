/* rules_excl.c - see rules_excl.h. */
#include "rules_excl.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <libaudit.h>

#include "log.h"
#include "rules.h"

/* libaudit refuses key= unless this undeclared global is set (rules.c). */
extern int _audit_syscalladded;

#define EXCL_LIST AUDIT_FILTER_EXCLUDE
#define PROCTITLE_TYPE 1327 /* AUDIT_PROCTITLE */

static int
add_pair(struct audit_rule_data **r, const char *pair, int list)
{
	char buf[64];
	int rc;

	(void)strncpy(buf, pair, sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	rc = audit_rule_fieldpair_data(r, buf, list);
	if (rc < 0) {
		log_warnx("rules: exclude field %s refused (%d)", pair, rc);
		return -1;
	}
	return 0;
}

struct audit_rule_data *
rules_excl_build(void)
{
	struct audit_rule_data *r = audit_rule_create_data();

	if (r == NULL) {
		log_warnx("rules: out of memory for the exclude rule");
		return NULL;
	}
	_audit_syscalladded = 1;
	/* libaudit checks key= against the exit list's rules only (the
	 * kernel takes a key on any list) */
	if (add_pair(&r, "msgtype=1327", EXCL_LIST) < 0 ||
	    add_pair(&r, "key=" RULES_KEY, AUDIT_FILTER_EXIT) < 0) {
		audit_rule_free_data(r);
		return NULL;
	}
	return r;
}

struct audit_rule_data *
rules_excl_install(int ctl)
{
	struct audit_rule_data *r = rules_excl_build();
	int rc;

	if (r == NULL)
		return NULL;
	rc = audit_add_rule_data(ctl, r, EXCL_LIST, AUDIT_NEVER);
	if (rc <= 0) {
		errno = rc < 0 ? -rc : EIO;
		log_warn("rules: add never,exclude msgtype=PROCTITLE");
		audit_rule_free_data(r);
		return NULL;
	}
	return r;
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
	uint32_t i;
	bool type = false;

	if ((r->flags & ~AUDIT_FILTER_PREPEND) != EXCL_LIST ||
	    r->action != AUDIT_NEVER || r->field_count != 2 ||
	    !rules_has_key(r, RULES_KEY))
		return false;
	for (i = 0; i < r->field_count; i++)
		if (r->fields[i] == AUDIT_MSGTYPE &&
		    r->values[i] == PROCTITLE_TYPE &&
		    (r->fieldflags[i] & AUDIT_OPERATORS) == AUDIT_EQUAL)
			type = true;
	return type;
}
