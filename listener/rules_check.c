/* rules_check.c - tamper detection for godo's audit rules: the kernel's
 * rule list (rules_list_kernel) compared with godo's own (struct rules), on
 * every status poll. Pure comparison in rules_check_list (unit-tested
 * without root); rules_check adds the one netlink round trip. */
#include "rules_check.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libaudit.h>

#include "log.h"
#include "rules_excl.h"
#include "rules_kern.h"

/* The value of the first field f of r, or 0 when r has none. */
static uint32_t
rule_field(const struct audit_rule_data *r, uint32_t f)
{
	uint32_t i;

	for (i = 0; i < r->field_count; i++)
		if (r->fields[i] == f && r->fieldflags[i] == AUDIT_EQUAL)
			return r->values[i];
	return 0;
}

/* Whether a rule can apply to some syscall that ours applies to: a common
 * syscall bit, and no two different arch= values. */
static bool
rule_overlaps(const struct audit_rule_data *a, const struct audit_rule_data *b)
{
	uint32_t aa = rule_field(a, AUDIT_ARCH), ba = rule_field(b, AUDIT_ARCH);
	size_t i;

	if (aa != 0 && ba != 0 && aa != ba)
		return false;
	for (i = 0; i < AUDIT_BITMASK_SIZE; i++)
		if (a->mask[i] & b->mask[i])
			return true;
	return false;
}

/* The list a rule is on, without the prepend flag. */
static uint32_t
rule_list(const struct audit_rule_data *r)
{
	return r->flags & ~(uint32_t)AUDIT_FILTER_PREPEND;
}

bool
rules_same(const struct audit_rule_data *a, const struct audit_rule_data *b)
{
	size_t n = a->field_count;

	return rule_list(a) == rule_list(b) && a->action == b->action &&
	       a->field_count == b->field_count && n <= AUDIT_MAX_FIELDS &&
	       memcmp(a->mask, b->mask, sizeof(a->mask)) == 0 &&
	       memcmp(a->fields, b->fields, n * sizeof(a->fields[0])) == 0 &&
	       memcmp(a->values, b->values, n * sizeof(a->values[0])) == 0 &&
	       memcmp(a->fieldflags, b->fieldflags,
	              n * sizeof(a->fieldflags[0])) == 0 &&
	       a->buflen == b->buflen && memcmp(a->buf, b->buf, a->buflen) == 0;
}

/* Marks in at[] (one per listed rule) which of rs's rules each listed
 * rule is (-1: none); every rule of rs matches one listed rule at most. */
static void
match_ours(const struct rules *rs, struct audit_rule_data *const *listed, int n,
           int *at, struct rules_check *c)
{
	bool used[RULES_MAX] = {false};
	int i, j;

	for (i = 0; i < n; i++) {
		at[i] = -1;
		for (j = 0; j < rules_count(rs) && at[i] < 0; j++)
			if (!used[j] && rules_same(rules_get(rs, j), listed[i]))
				at[i] = j;
		if (at[i] >= 0) {
			used[at[i]] = true;
			c->present++;
		} else if (rules_has_key(listed[i], RULES_KEY) &&
		           !rules_excl_is(listed[i])) {
			c->alien++;
		}
	}
}

/* A never rule on the exit list hides what a later rule of ours would
 * record, when they overlap. */
static bool
blinds_ours(const struct rules *rs, struct audit_rule_data *const *listed,
            int n, const int *at, int never)
{
	int i;

	for (i = never + 1; i < n; i++)
		if (at[i] >= 0 &&
		    rule_overlaps(listed[never], rules_get(rs, at[i])))
			return true;
	return false;
}

int
rules_check_list(const struct rules *rs, struct audit_rule_data *const *listed,
                 int n, struct rules_check *c)
{
	int i, *at;

	memset(c, 0, sizeof(*c));
	if (n < 0 || rs == NULL) {
		log_warnx("%s: no rules or a bad count %d", __func__, n);
		return -1;
	}
	at = calloc((size_t)n + 1, sizeof(*at));
	if (at == NULL) {
		log_warn("%s: calloc", __func__);
		return -1;
	}
	c->listed = n;
	c->expected = rules_count(rs);
	match_ours(rs, listed, n, at, c);
	c->missing = rules_count(rs) - c->present;
	for (i = 0; i < n; i++) {
		if (listed[i]->action != AUDIT_NEVER)
			continue;
		if (rule_list(listed[i]) == AUDIT_FILTER_TASK)
			c->blind_task++;
		else if (rule_list(listed[i]) == AUDIT_FILTER_EXIT &&
		         blinds_ours(rs, listed, n, at, i))
			c->blind_exit++;
	}
	for (i = 0; i < n; i++)
		if ((rule_list(listed[i]) == AUDIT_FILTER_EXCLUDE ||
		     rule_list(listed[i]) == AUDIT_FILTER_FS) &&
		    !rules_excl_is(listed[i]))
			c->blind_other++;
	free(at);
	return 0;
}

bool
rules_check_intact(const struct rules_check *c)
{
	return c->missing == 0 && c->alien == 0 && c->blind_exit == 0;
}

int
rules_check(int ctl, const struct rules *rs, struct rules_check *c)
{
	struct audit_rule_data **v = NULL;
	int n, rc;

	memset(c, 0, sizeof(*c));
	n = rules_list_kernel(ctl, NULL, &v);
	if (n < 0)
		return -1;
	rc = rules_check_list(rs, v, n, c);
	rules_list_free(v, n);
	return rc;
}
