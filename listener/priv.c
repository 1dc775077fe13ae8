/* priv.c - see priv.h. Raw capget(2)/capset(2) with the version 3 header
 * (two 32-bit words per set, capabilities(7)) instead of libcap: three
 * system calls do not justify a dependency. Order matters: the bounding set
 * can only shrink while CAP_SETPCAP is effective, so it goes first; capset
 * then lowers permitted and effective for good (uid 0 regains nothing
 * without an execve, and no_new_privs plus the narrowed bounding set keep
 * an execve from regaining anything either). */
#include "priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "log.h"

#define CAPBIT(c) (1ull << (c))
#define PRIV_KEEP                                                              \
	(CAPBIT(CAP_AUDIT_CONTROL) | CAPBIT(CAP_SYS_PTRACE) |                  \
	 CAPBIT(CAP_DAC_READ_SEARCH))

struct capsets {
	uint64_t eff, prm, inh;
};

uint64_t
priv_keep_mask(void)
{
	return PRIV_KEEP;
}

static int
caps_get(struct capsets *cs)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0)
		return -1;
	cs->eff = d[0].effective | (uint64_t)d[1].effective << 32;
	cs->prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	cs->inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

static int
caps_set(const struct capsets *cs)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	d[0].effective = (uint32_t)cs->eff;
	d[1].effective = (uint32_t)(cs->eff >> 32);
	d[0].permitted = (uint32_t)cs->prm;
	d[1].permitted = (uint32_t)(cs->prm >> 32);
	d[0].inheritable = (uint32_t)cs->inh;
	d[1].inheritable = (uint32_t)(cs->inh >> 32);
	return (int)syscall(SYS_capset, &h, d);
}

/* Keeps the first failure: the one that explains the others. */
static void fail(char *err, size_t errlen, int *rc, int e, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
fail(char *err, size_t errlen, int *rc, int e, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (*rc == 0 && errlen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(err, errlen, fmt, ap); /* cut to errlen */
		va_end(ap);
		n = strlen(err);
		if (e != 0 && n < errlen)
			(void)snprintf(err + n, errlen - n, ": %s",
			               strerror(e));
	}
	*rc = -1;
}

/* Drops every capability outside keep from the bounding set. Past the
 * kernel's last capability PR_CAPBSET_READ fails with EINVAL. */
static void
bounding_drop(uint64_t keep, char *err, size_t errlen, int *rc)
{
	int c, in;

	for (c = 0; c < 64; c++) {
		if (keep & CAPBIT(c))
			continue;
		in = prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0);
		if (in < 0)
			break;
		if (in == 1 &&
		    prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) != 0) {
			fail(err, errlen, rc, errno,
			     "priv: drop capability %d from the bounding set",
			     c);
			return;
		}
	}
}

static bool
bounding_wider(uint64_t keep)
{
	int c;

	for (c = 0; c < 64; c++) {
		int in = prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0);

		if (in < 0)
			break;
		if (in == 1 && !(keep & CAPBIT(c)))
			return true;
	}
	return false;
}

void
priv_plan_for(uint64_t eff, uint64_t prm, struct priv_plan *plan)
{
	plan->keep = PRIV_KEEP & prm;
	plan->raise_setpcap =
	    !(eff & CAPBIT(CAP_SETPCAP)) && (prm & CAPBIT(CAP_SETPCAP));
	plan->can_narrow_bounding = ((eff | prm) & CAPBIT(CAP_SETPCAP)) != 0;
}

int
priv_drop(char *err, size_t errlen)
{
	struct capsets cs, now;
	struct priv_plan plan;
	uint64_t keep;
	int rc = 0, nnp;

	if (errlen > 0)
		err[0] = '\0';
	if (caps_get(&cs) != 0) {
		fail(err, errlen, &rc, errno, "priv: capget");
		return rc;
	}
	priv_plan_for(cs.eff, cs.prm, &plan);
	keep = plan.keep;

	/* Ambient capabilities would survive an execve of a plain file. EINVAL:
	 * a kernel before 4.3 has none. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 &&
	    errno != EINVAL)
		fail(err, errlen, &rc, errno,
		     "priv: clear ambient capabilities");

	if (bounding_wider(keep)) {
		if (plan.raise_setpcap) {
			cs.eff |= CAPBIT(CAP_SETPCAP);
			if (caps_set(&cs) != 0)
				fail(err, errlen, &rc, errno,
				     "priv: raise CAP_SETPCAP");
		}
		if (cs.eff & CAPBIT(CAP_SETPCAP))
			bounding_drop(keep, err, errlen, &rc);
		else
			fail(err, errlen, &rc, 0,
			     "priv: cannot narrow the bounding set without "
			     "CAP_SETPCAP");
	}

	cs.eff = cs.prm = keep;
	cs.inh = 0;
	if (caps_set(&cs) != 0)
		fail(err, errlen, &rc, errno, "priv: capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		fail(err, errlen, &rc, errno, "priv: PR_SET_NO_NEW_PRIVS");

	/* Trust, then verify: a silently ignored capset would leave root. */
	if (caps_get(&now) != 0)
		fail(err, errlen, &rc, errno, "priv: capget");
	else if (now.eff != keep || now.prm != keep || now.inh != 0)
		fail(err, errlen, &rc, 0,
		     "priv: capabilities are eff %#llx prm %#llx inh %#llx, "
		     "want %#llx",
		     (unsigned long long)now.eff, (unsigned long long)now.prm,
		     (unsigned long long)now.inh, (unsigned long long)keep);
	nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	if (nnp != 1)
		fail(err, errlen, &rc, nnp < 0 ? errno : 0,
		     "priv: no_new_privs not set");
	return rc;
}

int
priv_drop_ptrace(void)
{
	struct capsets cs;

	if (caps_get(&cs) != 0) {
		log_warn("priv: capget");
		return -1;
	}
	cs.eff &= ~CAPBIT(CAP_SYS_PTRACE);
	cs.prm &= ~CAPBIT(CAP_SYS_PTRACE);
	if (caps_set(&cs) != 0) {
		log_warn("priv: capset without CAP_SYS_PTRACE");
		return -1;
	}
	return 0;
}

int
priv_keep_only(uint64_t mask)
{
	struct capsets cs;

	if (caps_get(&cs) != 0) {
		log_warn("priv: capget");
		return -1;
	}
	cs.eff &= mask;
	cs.prm &= mask;
	cs.inh = 0;
	if (caps_set(&cs) != 0) {
		log_warn("priv: capset");
		return -1;
	}
	return 0;
}
