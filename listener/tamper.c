/* tamper.c - see tamper.h. Each check repairs what it can and keeps its
 * blind interval open until then; the gap is written at the repair. */
#include "tamper.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "rules_excl.h"

void
tamper_init(struct tamper *t, struct auditsock *a, struct rules *rs,
            struct writeback *wb, bool force, int64_t now_ns)
{
	memset(t, 0, sizeof(*t));
	t->a = a;
	t->rs = rs;
	t->wb = wb;
	t->force = force;
	t->intact_ns = t->now_ns = now_ns;
	t->disabled.source = "disabled";
	t->displaced.source = "daemon";
	t->rules.source = "rules";
}

/* b's blind interval was seen at this poll; a warning line when it
 * begins (what says what was seen). */
static void
blind_begin(struct tamper *t, struct blind *b, const char *what)
{
	if (b->on)
		return;
	b->on = true;
	b->from_ns = t->intact_ns;
	log_warnx("audit tampering: %s: not recording since the last check",
	          what);
}

/* b's interval ends now (repaired, or godo stops): its gap. */
static void
blind_end(struct tamper *t, struct blind *b, const char *how)
{
	if (!b->on)
		return;
	b->on = false;
	writeback_gap(t->wb, b->source, b->from_ns, t->now_ns, 1);
	log_warnx("audit tampering (%s): %s after %" PRId64 " ms", b->source,
	          how, (t->now_ns - b->from_ns) / 1000000);
}

/* A live process holds pid (the audit daemon role). */
static bool
pid_alive(uint32_t pid)
{
	return pid != 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* auditctl -e 0: enabled again. true when auditing is on. */
static bool
check_enabled(struct tamper *t, const struct auditsock_health *h)
{
	if (!h->disabled) {
		blind_end(t, &t->disabled, "enabled again");
		return true;
	}
	blind_begin(t, &t->disabled, "auditing was disabled (enabled=0)");
	if (auditsock_reenable(t->a) != 0)
		return false;
	blind_end(t, &t->disabled, "enabled again");
	return true;
}

/* Another process took the audit daemon role (or godo lost it): taken back
 * with -force or when nobody alive holds it, else reported once. true
 * when godo holds the role. */
static bool
check_daemon(struct tamper *t, const struct auditsock_health *h)
{
	bool was_on = t->displaced.on;

	if (!h->displaced) {
		blind_end(t, &t->displaced, "registered again");
		return true;
	}
	blind_begin(t, &t->displaced, "godo is no longer the audit daemon");
	if (t->force || !pid_alive(h->pid)) {
		if (auditsock_reclaim(t->a, t->force) == 0) {
			blind_end(t, &t->displaced, "registered again");
			return true;
		}
	} else if (!was_on) {
		log_warnx("audit: pid %u is the audit daemon now: godo records "
		          "nothing until it goes (-force takes the role back)",
		          h->pid);
	}
	return false;
}

/* Rules on the task, exclude or filesystem lists blind godo in ways its
 * exit rules cannot override: said once per rise. */
static void
report_blind_lists(struct tamper *t, const struct rules_check *c)
{
	if (c->blind_task > t->blind_task)
		log_warnx("audit: %d never rules on the task list: the tasks "
		          "they match are not recorded (godo cannot override "
		          "them)",
		          c->blind_task);
	if (c->blind_other > t->blind_other)
		log_warnx("audit: %d rules on the exclude or filesystem lists: "
		          "some records may not reach godo",
		          c->blind_other);
	t->blind_task = c->blind_task;
	t->blind_other = c->blind_other;
}

/* godo's rules deleted, changed or blinded by a never rule ahead of them:
 * installed again (not possible while locked: said once). true when they
 * are intact. */
static bool
check_rules(struct tamper *t, const struct auditsock_health *h)
{
	int ctl = auditsock_ctl_fd(t->a);
	struct rules_check c;
	char what[160];

	if (rules_check(ctl, t->rs, &c) != 0)
		return false; /* logged; checked again at the next poll */
	report_blind_lists(t, &c);
	if (rules_check_intact(&c)) {
		blind_end(t, &t->rules, "rules installed again");
		return true;
	}
	snprintf(what, sizeof(what),
	         "godo's audit rules were changed (%d of %d present, %d "
	         "others keyed godo, %d never rules ahead)",
	         c.present, c.expected, c.alien, c.blind_exit);
	blind_begin(t, &t->rules, what);
	if (h->locked) {
		if (!t->locked_said)
			log_warnx("audit: rules are locked (enabled=2): cannot "
			          "install godo's rules again until reboot");
		t->locked_said = true;
		return false;
	}
	if (rules_reinstall(ctl, t->rs, c.blind_exit > 0) != 0)
		return false;
	if (t->excl != NULL && *t->excl != NULL) {
		/* deleted with the rest (auditctl -D): added again (one
		 * still there counts as added; its loss blinds nothing,
		 * so a failure is only logged) */
		rules_excl_free(*t->excl);
		*t->excl = rules_excl_install(ctl, t->excl_pid);
	}
	blind_end(t, &t->rules, "rules installed again");
	return true;
}

void
tamper_set_excl(struct tamper *t, struct audit_rule_data **excl, pid_t pid)
{
	t->excl = excl;
	t->excl_pid = pid;
}

void
tamper_reader(struct tamper *t, struct rules **own, const struct rules_opts *ro,
              bool install)
{
	t->reader = true;
	t->own = own;
	t->ro = *ro;
	t->install = install;
}

/* Reader mode: godo's rules (the ones found, or its own) must be loaded;
 * when they are not, godo's own are installed (again). Other rules,
 * godo-keyed ones included, are the daemon's: left alone. */
static bool
check_rules_reader(struct tamper *t, const struct auditsock_health *h)
{
	int ctl = auditsock_ctl_fd(t->a), failed = 0;
	const struct rules *rs = *t->own != NULL ? *t->own : t->rs;
	struct rules_check c;

	if (rs == NULL)
		return true; /* -rules-mode=none, none found: said at start */
	if (rules_check(ctl, rs, &c) != 0)
		return false;
	report_blind_lists(t, &c);
	if (c.blind_exit > 0 && !t->blind_exit_said)
		log_warnx("audit: %d never rules ahead of godo's rules hide "
		          "some events (the audit daemon's rules: left as "
		          "they are)",
		          c.blind_exit);
	t->blind_exit_said = c.blind_exit > 0;
	if (c.missing == 0) {
		blind_end(t, &t->rules, "rules loaded again");
		return true;
	}
	blind_begin(t, &t->rules, "godo's audit rules are no longer loaded");
	if (h->locked || !t->install)
		return false;
	if (*t->own != NULL && rules_remove(ctl, *t->own) < 0)
		log_warnx("audit: some of godo's rules could not be removed");
	*t->own = rules_install(ctl, &t->ro, &failed);
	if (*t->own == NULL)
		return false;
	blind_end(t, &t->rules, "godo's own rules installed");
	return true;
}

/* Tampering from the host, checked at every status reply: each check
 * repairs what it can and keeps its blind interval open until then. */
void
tamper_check(struct tamper *t, int64_t now_ns)
{
	struct auditsock_health h;
	bool ok;

	t->now_ns = now_ns;
	auditsock_health(t->a, &h);
	if (!h.known)
		return;
	if (t->reader) {
		if (check_rules_reader(t, &h))
			t->intact_ns = t->now_ns;
		return;
	}
	ok = check_enabled(t, &h);
	ok = check_daemon(t, &h) && ok;
	ok = check_rules(t, &h) && ok;
	if (ok)
		t->intact_ns = t->now_ns;
}

void
tamper_close(struct tamper *t, int64_t now_ns)
{
	t->now_ns = now_ns;
	blind_end(t, &t->disabled, "still blind at exit");
	blind_end(t, &t->displaced, "still blind at exit");
	blind_end(t, &t->rules, "still blind at exit");
}
