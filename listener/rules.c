/* rules.c - godo's audit rule table and its life cycle in the kernel. The
 * table feeds rules_print (auditctl text) and rules_install (libaudit rule
 * structs on the control socket); both walk the same lists, so the text the
 * benchmark gives auditd is exactly what godo installs. Rule building
 * follows docs kernel-interfaces.md 1.9: libaudit edits the pair string in
 * place, looks syscall names up in the table of the last arch= (the
 * undeclared global _audit_elf) and refuses key= unless the undeclared
 * _audit_syscalladded is set. */
#include "rules.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libaudit.h>

#include "log.h"
#include "nlrecv.h"
#include "rules_kern.h"
#include "util.h"

/* Exported by libaudit.so.1, not declared in libaudit.h ([A]
 * lib/libaudit.c). */
extern int _audit_syscalladded;
extern unsigned int _audit_elf;

#define GROUP_SYSCALLS 48
#define PAIR_MAX 256
#define PAIRS_MAX 8

#define GROUP_FIELDS 3

struct rule_group {
	const char *sc[GROUP_SYSCALLS];   /* NULL-terminated */
	const char *fields[GROUP_FIELDS]; /* filter pairs, NULL-terminated */
	const char *arch;                 /* only this arch; NULL: both */
};

/* Names that an arch lacks are skipped: pwrite is x86_64's name for
 * pwrite64 (i386 says pwrite64); truncate64/ftruncate64, chown32,
 * fchown32, lchown32 and utimensat_time64 exist only on i386; fchmodat2
 * only in libaudit tables newer than 3.0.9 (skipped there, as auditctl
 * would refuse it; sysevent.c knows its number).
 * O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_DIRECTORY|O_PATH = 0x210243:
 * directory opens are kept to resolve dirfds. */
static const struct rule_group groups[] = {
    {{"execve", "execveat", NULL}, {NULL}, NULL},
    {{"clone", "fork", "vfork", "clone3", NULL}, {NULL}, NULL},
    {{"exit_group", "exit", NULL}, {NULL}, NULL},
    {{"open", NULL}, {"a1&0x210243", NULL}, NULL},
    {{"openat", NULL}, {"a2&0x210243", NULL}, NULL},
    {{"creat", "openat2", NULL}, {NULL}, NULL},
    /* copy_file_range, sendfile, splice write too (fd_out: fileio.h) */
    {{"write", "pwrite", "pwrite64", "writev", "pwritev", "pwritev2",
      "copy_file_range", "sendfile", "sendfile64", "splice", NULL},
     {"success=1", NULL},
     NULL},
    {{"close", NULL}, {"success=1", NULL}, NULL},
    /* writable shared mappings only (PROT_WRITE, MAP_SHARED; the kernel
     * tests a2&2 and a3&1 itself); i386's old mmap takes a struct
     * pointer, its mmap2 the arguments */
    {{"mmap", NULL}, {"a2&2", "a3&1", "success=1"}, "b64"},
    {{"mmap2", NULL}, {"a2&2", "a3&1", "success=1"}, "b32"},
    /* fallocate modes that change content (pathop.c FALLOC_CHANGES) */
    {{"fallocate", NULL}, {"a1&0xfa", "success=1", NULL}, NULL},
    /* operations on paths, metadata changes included: only successful
     * calls change anything. One rule per arch, not one per kind: the
     * kernel tests each rule of the exit list in turn. */
    {{"rename",
      "renameat",
      "renameat2",
      "unlink",
      "unlinkat",
      "truncate",
      "ftruncate",
      "truncate64",
      "ftruncate64",
      "chmod",
      "fchmod",
      "fchmodat",
      "fchmodat2",
      "chown",
      "fchown",
      "lchown",
      "fchownat",
      "chown32",
      "fchown32",
      "lchown32",
      "setxattr",
      "lsetxattr",
      "fsetxattr",
      "removexattr",
      "lremovexattr",
      "fremovexattr",
      "utime",
      "utimes",
      "utimensat",
      "utimensat_time64",
      "futimesat",
      "link",
      "linkat",
      "symlink",
      "symlinkat",
      "mkdir",
      "mkdirat",
      "rmdir",
      "mknod",
      "mknodat",
      "mount",
      "umount",
      "umount2",
      "open_by_handle_at",
      NULL},
     {"success=1", NULL},
     NULL},
    {{"pivot_root", "setns", "unshare", NULL}, {NULL}, NULL},
    /* a shell's "> file" opens the file, then dup2()s it onto stdout */
    {{"dup", "dup2", "dup3", "close_range", NULL}, {"success=1", NULL}, NULL},
    /* descriptor flags that decide what exec closes and what a child
     * inherits: F_DUPFD (0) and F_SETFD (2), not F_GETFD (1: bash asks
     * it around every redirect); F_DUPFD_CLOEXEC (1030) */
    {{"fcntl", "fcntl64", NULL}, {"a1<=2", "a1!=1", "success=1"}, NULL},
    {{"fcntl", "fcntl64", NULL}, {"a1=1030", "success=1", NULL}, NULL},
};
#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

static const char *const arches[] = {"b64", "b32"};
#define NARCHES (sizeof(arches) / sizeof(arches[0]))

struct rules {
	struct audit_rule_data *r[RULES_MAX];
	int n;
	int failed; /* rules that could not be built or installed */
};

/* The syscall names of group g that exist for arch; returns how many. */
static int
group_syscalls(const struct rule_group *g, const char *arch, const char **out,
               int max)
{
	int mach, i, n = 0;

	mach = audit_determine_machine(arch);
	if (mach < 0) {
		log_warnx("rules: libaudit does not know arch=%s", arch);
		return -1;
	}
	for (i = 0; g->sc[i] != NULL && n < max; i++) {
		if (audit_name_to_syscall(g->sc[i], mach) < 0) {
			log_debug("rules: no syscall %s for arch=%s, skipped",
			          g->sc[i], arch);
			continue;
		}
		out[n++] = g->sc[i];
	}
	return n;
}

/* The filter pairs after the syscalls, in rule order. Strings live in
 * store (PAIRS_MAX * PAIR_MAX). Returns the count, -1 when too long. */
static int
group_pairs(const struct rule_group *g, const struct rules_opts *o,
            char store[][PAIR_MAX])
{
	int n = 0, len, i;

	for (i = 0; i < GROUP_FIELDS && g->fields[i] != NULL; i++) {
		len = snprintf(store[n], PAIR_MAX, "%s", g->fields[i]);
		if (len < 0 || len >= PAIR_MAX)
			return -1;
		n++;
	}
	if (o->pid > 0) {
		len = snprintf(store[n], PAIR_MAX, "pid!=%ld", (long)o->pid);
		if (len < 0 || len >= PAIR_MAX)
			return -1;
		n++;
	}
	if (o->sessionid != 0) {
		len = snprintf(store[n], PAIR_MAX, "sessionid!=%lu",
		               (unsigned long)o->sessionid);
		if (len < 0 || len >= PAIR_MAX)
			return -1;
		n++;
	}
	if (o->exclude_exe != NULL && o->exclude_exe[0] != '\0') {
		if (strpbrk(o->exclude_exe, " \t\n\r") != NULL) {
			errno = EINVAL;
			return -1;
		}
		len = snprintf(store[n], PAIR_MAX, "exe!=%s", o->exclude_exe);
		if (len < 0 || len >= PAIR_MAX)
			return -1;
		n++;
	}
	len = snprintf(store[n], PAIR_MAX, "key=%s", RULES_KEY);
	if (len < 0 || len >= PAIR_MAX)
		return -1;
	return n + 1;
}

/* One rule of the table, as both rules_print and rules_install see it. */
struct rule_spec {
	const char *arch;
	const char *sc[GROUP_SYSCALLS];
	int nsc;
	char pairs[PAIRS_MAX][PAIR_MAX];
	int np;
};

/* Called per rule; a negative return stops the walk and is returned. */
typedef int rule_fn(const struct rule_spec *rule, void *arg);

/* Walks the table in rule order: every arch, every group that has a
 * syscall on it. A group whose pairs do not fit is logged and counted in
 * *bad (it cannot be a rule). Returns the number of rules handed to fn, or
 * fn's negative return. */
static int
rules_walk(const struct rules_opts *o, rule_fn *fn, void *arg, int *bad)
{
	struct rule_spec rule;
	size_t a, g;
	int rc, n = 0;

	for (a = 0; a < NARCHES; a++) {
		for (g = 0; g < NGROUPS; g++) {
			if (groups[g].arch != NULL &&
			    strcmp(groups[g].arch, arches[a]) != 0)
				continue;
			rule.arch = arches[a];
			rule.nsc = group_syscalls(&groups[g], arches[a],
			                          rule.sc, GROUP_SYSCALLS);
			if (rule.nsc <= 0)
				continue;
			rule.np = group_pairs(&groups[g], o, rule.pairs);
			if (rule.np < 0) {
				log_warnx("rules: fields of arch=%s %s... too "
				          "long or bad",
				          rule.arch, rule.sc[0]);
				(*bad)++;
				continue;
			}
			rc = fn(&rule, arg);
			if (rc < 0)
				return rc;
			n++;
		}
	}
	return n;
}

static int
rule_print(const struct rule_spec *rule, void *arg)
{
	FILE *out = arg;
	int i;

	if (fprintf(out, "-a always,exit -F arch=%s -S ", rule->arch) < 0)
		return -1;
	for (i = 0; i < rule->nsc; i++)
		if (fprintf(out, "%s%s", i ? "," : "", rule->sc[i]) < 0)
			return -1;
	for (i = 0; i < rule->np; i++)
		if (fprintf(out, " -F %s", rule->pairs[i]) < 0)
			return -1;
	if (fputc('\n', out) == EOF)
		return -1;
	return 0;
}

int
rules_print(FILE *out, const struct rules_opts *o)
{
	int bad = 0, lines;

	lines = rules_walk(o, rule_print, out, &bad);
	if (lines < 0) {
		log_warn("rules: write");
		return -1;
	}
	return bad ? -1 : lines;
}

/* Adds one "name=value" pair to r (libaudit writes NULs into its
 * argument: a copy is handed over). -1, logged, when libaudit refuses it. */
static int
rule_add_pair(struct audit_rule_data **r, const char *pair)
{
	char buf[PAIR_MAX];
	int rc;

	if (util_strlcpy(buf, pair, sizeof(buf)) >= sizeof(buf)) {
		log_warnx("rules: field %s too long", pair);
		return -1;
	}
	rc = audit_rule_fieldpair_data(r, buf, AUDIT_FILTER_EXIT);
	if (rc < 0) {
		log_warnx("rules: field %s refused (%d)", pair, rc);
		return -1;
	}
	return 0;
}

/* One rule struct as in docs 1.9: arch=, syscalls, then the other pairs.
 * NULL, logged, when libaudit refuses a part or runs out of memory. */
static struct audit_rule_data *
rule_build(const struct rule_spec *rule)
{
	struct audit_rule_data *r;
	char arch[PAIR_MAX];
	int i, rc;

	r = audit_rule_create_data();
	if (r == NULL) {
		log_warnx("rules: out of memory for a rule");
		return NULL;
	}
	_audit_elf = 0;
	_audit_syscalladded = 0;
	(void)snprintf(arch, sizeof(arch), "arch=%s", rule->arch);
	if (rule_add_pair(&r, arch) < 0)
		goto bad;
	for (i = 0; i < rule->nsc; i++) {
		rc = audit_rule_syscallbyname_data(r, rule->sc[i]);
		if (rc != 0) {
			log_warnx("rules: syscall %s arch=%s refused (%d)",
			          rule->sc[i], rule->arch, rc);
			goto bad;
		}
	}
	_audit_syscalladded = 1;
	for (i = 0; i < rule->np; i++)
		if (rule_add_pair(&r, rule->pairs[i]) < 0)
			goto bad;
	_audit_syscalladded = 0;
	return r;
bad:
	_audit_syscalladded = 0;
	audit_rule_free_data(r);
	return NULL;
}

/* Builds one rule and keeps it in rs, as the kernel will list it (exit
 * list, action always). A rule that fails is logged and counted in
 * rs->failed; the walk goes on. */
static int
rule_keep(const struct rule_spec *rule, void *arg)
{
	struct rules *rs = arg;
	struct audit_rule_data *r;

	if (rs->n == RULES_MAX) { /* the table outgrew the cap */
		log_warnx("rules: more than %d rules", RULES_MAX);
		rs->failed++;
		return 0;
	}
	r = rule_build(rule);
	if (r == NULL) {
		rs->failed++;
		return 0;
	}
	r->flags = AUDIT_FILTER_EXIT;
	r->action = AUDIT_ALWAYS;
	rs->r[rs->n++] = r;
	return 0;
}

struct rules *
rules_build(const struct rules_opts *o, int *failed)
{
	struct rules *rs;

	rs = calloc(1, sizeof(*rs));
	if (rs == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	if (rules_walk(o, rule_keep, rs, &rs->failed) < 0)
		log_warnx("rules: build stopped early"); /* not reached */
	if (failed != NULL)
		*failed = rs->failed;
	if (rs->n == 0) {
		log_warnx("rules: none could be built");
		free(rs);
		return NULL;
	}
	return rs;
}

/* Adds rule i of rs on ctl with flags (exit list, maybe prepended). 0, or
 * -1 logged. */
static int
rule_add(int ctl, struct rules *rs, int i, int flags)
{
	int rc = audit_add_rule_data(ctl, rs->r[i], flags, AUDIT_ALWAYS);

	if (rc > 0)
		return 0;
	errno = rc < 0 ? -rc : EIO;
	log_warn("rules: add rule %d of %d", i, rs->n);
	return -1;
}

/* Frees rule i and closes the gap in rs->r. */
static void
rule_forget(struct rules *rs, int i)
{
	audit_rule_free_data(rs->r[i]);
	memmove(&rs->r[i], &rs->r[i + 1],
	        (size_t)(rs->n - i - 1) * sizeof(rs->r[0]));
	rs->n--;
}

struct rules *
rules_install(int ctl, const struct rules_opts *o, int *failed)
{
	struct rules *rs = rules_build(o, failed);
	int i;

	if (rs == NULL)
		return NULL;
	(void)nlrecv_drain(ctl);
	for (i = 0; i < rs->n;) {
		if (rule_add(ctl, rs, i, AUDIT_FILTER_EXIT) == 0) {
			i++;
			continue;
		}
		rule_forget(rs, i);
		rs->failed++;
	}
	if (failed != NULL)
		*failed = rs->failed;
	if (rs->n == 0) {
		log_warnx("rules: none could be installed");
		free(rs);
		return NULL;
	}
	log_debug("rules: %d installed, %d failed", rs->n, rs->failed);
	return rs;
}

int
rules_count(const struct rules *rs)
{
	return rs == NULL ? 0 : rs->n;
}

int
rules_remove(int ctl, struct rules *rs)
{
	int i, rc, removed = 0, bad = 0;

	if (rs == NULL)
		return 0;
	(void)nlrecv_drain(ctl);
	for (i = 0; i < rs->n; i++) {
		rc = audit_delete_rule_data(ctl, rs->r[i], AUDIT_FILTER_EXIT,
		                            AUDIT_ALWAYS);
		if (rc > 0 || rc == -ENOENT) {
			removed++;
		} else {
			errno = rc < 0 ? -rc : EIO;
			log_warn("%s: delete rule %d", __func__, i);
			bad++;
		}
	}
	rules_free(rs);
	return bad ? -1 : removed;
}

void
rules_free(struct rules *rs)
{
	int i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n; i++)
		audit_rule_free_data(rs->r[i]);
	free(rs);
}

int
rules_reinstall(int ctl, struct rules *rs, bool prepend)
{
	int i, bad = 0;

	if (rules_purge(ctl, RULES_KEY) < 0)
		return -1;
	/* Prepending puts each rule at the head: add the last one first so
	 * that the kernel's order stays the table's. */
	for (i = 0; i < rs->n; i++) {
		int k = prepend ? rs->n - 1 - i : i;
		int flags =
		    AUDIT_FILTER_EXIT | (prepend ? AUDIT_FILTER_PREPEND : 0);

		/* a failed rule stays in rs: rules_check reports it missing,
		 * rules_remove finds it gone (ENOENT) */
		if (rule_add(ctl, rs, k, flags) < 0)
			bad++;
		/* the kernel drops the prepend flag once the rule is placed:
		 * it lists and deletes it as a plain exit rule */
		rs->r[k]->flags = AUDIT_FILTER_EXIT;
	}
	log_info("rules: %d of %d re-installed%s", rs->n - bad, rs->n,
	         prepend ? " at the head of the exit list" : "");
	return bad ? -1 : 0;
}

const struct audit_rule_data *
rules_get(const struct rules *rs, int i)
{
	return rs != NULL && i >= 0 && i < rs->n ? rs->r[i] : NULL;
}
