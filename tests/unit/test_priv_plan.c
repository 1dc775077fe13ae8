/* test_priv_plan.c - which capabilities godo keeps after setup and how it
 * gets there, computed without a system call (priv_plan_for); the drop
 * itself needs root and runs in tests/integration/test_priv.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <linux/capability.h>

#include "priv.h"

#define BIT(c) (1ull << (c))
#define ALL_CAPS ((1ull << (CAP_LAST_CAP + 1)) - 1)

static void
test_priv_keep_mask_is_the_documented_three(void **state)
{
	(void)state;
	assert_true(priv_keep_mask() ==
	            (BIT(CAP_AUDIT_CONTROL) | BIT(CAP_SYS_PTRACE) |
	             BIT(CAP_DAC_READ_SEARCH)));
	/* setup-only and never-needed ones are not kept */
	assert_false(priv_keep_mask() & BIT(CAP_NET_ADMIN));
	assert_false(priv_keep_mask() & BIT(CAP_AUDIT_READ));
	assert_false(priv_keep_mask() & BIT(CAP_SETPCAP));
	assert_false(priv_keep_mask() & BIT(CAP_SYS_ADMIN));
}

/* root with every capability: keeps the three, CAP_SETPCAP is effective
 * already (no raise), the bounding set can be narrowed. */
static void
test_priv_plan_full_root(void **state)
{
	struct priv_plan p;

	(void)state;
	priv_plan_for(ALL_CAPS, ALL_CAPS, &p);
	assert_true(p.keep == priv_keep_mask());
	assert_false(p.raise_setpcap);
	assert_true(p.can_narrow_bounding);
}

/* A service started with CAP_SETPCAP permitted but not effective (and
 * without CAP_SYS_PTRACE): raise it first; never keep what is not
 * permitted. */
static void
test_priv_plan_raise_and_never_gain(void **state)
{
	uint64_t prm = BIT(CAP_SETPCAP) | BIT(CAP_AUDIT_CONTROL) |
	               BIT(CAP_NET_ADMIN) | BIT(CAP_DAC_READ_SEARCH);
	struct priv_plan p;

	(void)state;
	priv_plan_for(BIT(CAP_AUDIT_CONTROL), prm, &p);
	assert_true(p.raise_setpcap);
	assert_true(p.can_narrow_bounding);
	assert_true(p.keep ==
	            (BIT(CAP_AUDIT_CONTROL) | BIT(CAP_DAC_READ_SEARCH)));
	priv_plan_for(0, 0, &p);
	assert_true(p.keep == 0);
	assert_false(p.raise_setpcap);
	assert_false(p.can_narrow_bounding);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_priv_keep_mask_is_the_documented_three),
	    cmocka_unit_test(test_priv_plan_full_root),
	    cmocka_unit_test(test_priv_plan_raise_and_never_gain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
