/* test_tamper.c - tamper detection without a kernel: godo's rules compared
 * with rule lists built here (deleted, changed, a prepended never rule, a
 * never rule on the task list), and the health read from an audit status
 * (disabled, locked, another daemon). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <libaudit.h>

#include "auditsock.h"
#include "log.h"
#include "rules.h"
#include "rules_check.h"
#include "rules_excl.h"

#define LIST_MAX 64

/* A rule list as the kernel would list it: pointers into rule sets and
 * rules built here. */
struct list {
	struct audit_rule_data *r[LIST_MAX];
	int n;
	struct audit_rule_data *own[8]; /* built here, freed at the end */
	int nown;
};

static struct rules *
build(pid_t pid)
{
	struct rules_opts o = {.pid = pid};
	int failed = -1;
	struct rules *rs = rules_build(&o, &failed);

	assert_non_null(rs);
	assert_int_equal(failed, 0);
	return rs;
}

/* Every rule of rs, in order, appended to l. */
static void
list_all(struct list *l, const struct rules *rs)
{
	int i;

	for (i = 0; i < rules_count(rs); i++) {
		assert_true(l->n < LIST_MAX);
		l->r[l->n++] = (struct audit_rule_data *)rules_get(rs, i);
	}
}

/* A never rule on list listnr with the given syscall mask word (all ones:
 * -S all), optionally arch=; appended or put first. */
static void
list_never(struct list *l, uint32_t listnr, uint32_t mask, const char *arch,
           bool first)
{
	struct audit_rule_data *r = audit_rule_create_data();
	char pair[32];
	size_t i;

	assert_non_null(r);
	if (arch != NULL) {
		strcpy(pair, arch);
		assert_true(audit_rule_fieldpair_data(&r, pair,
		                                      AUDIT_FILTER_EXIT) == 0);
	}
	for (i = 0; i < AUDIT_BITMASK_SIZE; i++)
		r->mask[i] = mask;
	r->flags = listnr;
	r->action = AUDIT_NEVER;
	assert_true(l->nown < 8 && l->n < LIST_MAX);
	l->own[l->nown++] = r;
	if (first) {
		memmove(&l->r[1], &l->r[0], (size_t)l->n * sizeof(l->r[0]));
		l->r[0] = r;
		l->n++;
	} else {
		l->r[l->n++] = r;
	}
}

static void
list_done(struct list *l)
{
	while (l->nown > 0)
		audit_rule_free_data(l->own[--l->nown]);
}

static void
check(const struct rules *rs, const struct list *l, struct rules_check *c)
{
	assert_int_equal(rules_check_list(rs, l->r, l->n, c), 0);
	assert_int_equal(c->listed, l->n);
	assert_int_equal(c->expected, rules_count(rs));
	assert_int_equal(c->present + c->missing, c->expected);
}

/* Installed as built, among other rules: intact. */
static void
test_tamper_rules_intact(void **state)
{
	struct rules *rs = build(100);
	struct list l = {.n = 0};
	struct rules_check c;

	(void)state;
	list_never(&l, AUDIT_FILTER_EXIT, 0, NULL, false); /* no syscall */
	list_all(&l, rs);
	list_never(&l, AUDIT_FILTER_EXIT, 0xffffffffu, NULL, false); /* after */
	check(rs, &l, &c);
	assert_int_equal(c.present, 30);
	assert_int_equal(c.missing, 0);
	assert_int_equal(c.alien, 0);
	assert_int_equal(c.blind_exit, 0);
	assert_int_equal(c.blind_task, 0);
	assert_true(rules_check_intact(&c));
	list_done(&l);
	rules_free(rs);
}

/* auditctl -D: nothing left; one rule deleted: one missing. */
static void
test_tamper_rules_deleted(void **state)
{
	struct rules *rs = build(100);
	struct list l = {.n = 0};
	struct rules_check c;

	(void)state;
	check(rs, &l, &c);
	assert_int_equal(c.missing, 30);
	assert_false(rules_check_intact(&c));
	list_all(&l, rs);
	memmove(&l.r[5], &l.r[6], (size_t)(l.n - 6) * sizeof(l.r[0]));
	l.n--;
	check(rs, &l, &c);
	assert_int_equal(c.present, 29);
	assert_int_equal(c.missing, 1);
	assert_false(rules_check_intact(&c));
	rules_free(rs);
}

/* The same rules for another pid (a changed pid!= field) or without
 * pid!=: godo's are missing, the changed ones are alien; a rule listed
 * twice matches once, its second copy is alien. */
static void
test_tamper_rules_changed(void **state)
{
	struct rules *rs = build(100);
	struct rules *other = build(101);
	struct rules *nopid = build(0);
	struct list l = {.n = 0};
	struct rules_check c;

	(void)state;
	list_all(&l, other);
	check(rs, &l, &c);
	assert_int_equal(c.present, 0);
	assert_int_equal(c.missing, 30);
	assert_int_equal(c.alien, 30);
	l.n = 0;
	list_all(&l, rs);
	l.r[3] = (struct audit_rule_data *)rules_get(nopid, 3);
	l.r[4] = l.r[5]; /* 4 gone, 5 twice */
	check(rs, &l, &c);
	assert_int_equal(c.present, 28);
	assert_int_equal(c.missing, 2);
	assert_int_equal(c.alien, 2);
	assert_false(rules_check_intact(&c));
	assert_true(rules_same(rules_get(rs, 0), rules_get(other, 0)) == false);
	assert_true(rules_same(rules_get(rs, 0), rules_get(nopid, 0)) == false);
	assert_true(rules_same(rules_get(rs, 7), rules_get(rs, 7)));
	rules_free(rs);
	rules_free(other);
	rules_free(nopid);
}

/* auditctl -A exit,never -S all before godo's rules blinds them; one
 * that names only syscalls godo does not watch, or another arch, or comes
 * after, does not. */
static void
test_tamper_rules_never_before(void **state)
{
	struct rules *rs = build(100);
	struct list l = {.n = 0};
	struct rules_check c;
	uint32_t b32 = 0x40000003u; /* AUDIT_ARCH_I386 */
	char pair[32];

	(void)state;
	list_all(&l, rs);
	list_never(&l, AUDIT_FILTER_EXIT, 0xffffffffu, NULL, true);
	check(rs, &l, &c);
	assert_int_equal(c.present, 30);
	assert_int_equal(c.blind_exit, 1);
	assert_false(rules_check_intact(&c));
	list_done(&l);

	/* a syscall godo has no rule for: word 0 bit 0 is read(2) on b64 and
	 * restart_syscall on b32, neither watched */
	l.n = 0;
	list_all(&l, rs);
	list_never(&l, AUDIT_FILTER_EXIT, 0, NULL, true);
	l.r[0]->mask[0] = 1;
	check(rs, &l, &c);
	assert_int_equal(c.blind_exit, 0);
	assert_true(rules_check_intact(&c));
	list_done(&l);

	/* -S all for arch=b32 only: blinds the b32 rules alone, still one
	 * blinding rule */
	l.n = 0;
	list_all(&l, rs);
	snprintf(pair, sizeof(pair), "arch=b32");
	list_never(&l, AUDIT_FILTER_EXIT, 0xffffffffu, pair, true);
	assert_int_equal(l.r[0]->values[0], b32);
	check(rs, &l, &c);
	assert_int_equal(c.blind_exit, 1);
	list_done(&l);
	rules_free(rs);
}

/* -a never,task hides every task it matches (report only); exclude and
 * filesystem rules are reported; neither is "not intact". */
static void
test_tamper_rules_task_never_and_exclude(void **state)
{
	struct rules *rs = build(100);
	struct list l = {.n = 0};
	struct rules_check c;

	(void)state;
	list_never(&l, AUDIT_FILTER_TASK, 0, NULL, false);
	list_all(&l, rs);
	list_never(&l, AUDIT_FILTER_EXCLUDE, 0, NULL, false);
	list_never(&l, AUDIT_FILTER_FS, 0, NULL, false);
	check(rs, &l, &c);
	assert_int_equal(c.blind_task, 1);
	assert_int_equal(c.blind_other, 2);
	assert_int_equal(c.blind_exit, 0);
	assert_true(rules_check_intact(&c));
	list_done(&l);
	assert_int_equal(rules_check_list(rs, l.r, -1, &c), -1);
	assert_int_equal(rules_check_list(NULL, l.r, 0, &c), -1);
	assert_null(rules_get(rs, 30));
	assert_null(rules_get(rs, -1));
	rules_free(rs);
}

/* godo's own exclude rule (msgtype=PROCTITLE, pid!=godo) is neither
 * alien nor a blinding rule; the same shape for another type is a
 * blinding rule. */
static void
test_tamper_own_exclude_rule(void **state)
{
	struct rules *rs = build(100);
	struct list l = {.n = 0};
	struct rules_check c;
	struct audit_rule_data *own = rules_excl_build(4242),
	                       *other = rules_excl_build(4242);

	(void)state;
	assert_non_null(own);
	assert_non_null(other);
	own->flags = other->flags = AUDIT_FILTER_EXCLUDE;
	own->action = other->action = AUDIT_NEVER;
	other->values[0] = 1300; /* SYSCALL: godo's records gone */
	list_all(&l, rs);
	l.r[l.n++] = own;
	assert_true(rules_excl_is(own));
	check(rs, &l, &c);
	assert_int_equal(c.alien, 0);
	assert_int_equal(c.blind_other, 0);
	assert_true(rules_check_intact(&c));
	assert_false(rules_excl_is(other));
	l.r[l.n++] = other;
	check(rs, &l, &c);
	assert_int_equal(c.alien, 0);
	assert_int_equal(c.blind_other, 1);
	list_done(&l);
	rules_excl_free(own);
	rules_excl_free(other);
	rules_free(rs);
}

static void
test_tamper_status_health(void **state)
{
	struct auditsock_status st = {.enabled = 1, .pid = 500};
	struct auditsock_health h;

	(void)state;
	auditsock_health_of(&st, 500, &h);
	assert_true(h.known);
	assert_false(h.disabled || h.locked || h.displaced);
	st.enabled = 0; /* auditctl -e 0 */
	auditsock_health_of(&st, 500, &h);
	assert_true(h.disabled);
	assert_false(h.locked);
	st.enabled = 2; /* auditctl -e 2: locked, and still recording */
	auditsock_health_of(&st, 500, &h);
	assert_false(h.disabled);
	assert_true(h.locked);
	st.enabled = 1;
	st.pid = 777; /* a rival daemon */
	auditsock_health_of(&st, 500, &h);
	assert_true(h.displaced);
	assert_int_equal(h.pid, 777);
	st.pid = 0; /* unregistered: records go to printk */
	auditsock_health_of(&st, 500, &h);
	assert_true(h.displaced);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tamper_rules_intact),
	    cmocka_unit_test(test_tamper_rules_deleted),
	    cmocka_unit_test(test_tamper_rules_changed),
	    cmocka_unit_test(test_tamper_rules_never_before),
	    cmocka_unit_test(test_tamper_rules_task_never_and_exclude),
	    cmocka_unit_test(test_tamper_own_exclude_rule),
	    cmocka_unit_test(test_tamper_status_health),
	};

	log_init("test_tamper", LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
