/* source.c - see source.h. */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log.h"
#include "record.h"
#include "rules_check.h"

static const char *const kind_name[] = {
    [SOURCE_UNICAST] = "unicast",
    [SOURCE_MULTICAST] = "multicast",
    [SOURCE_STDIN] = "stdin",
};

int
source_kind_parse(const char *s, enum source_kind *k)
{
	unsigned int i;

	for (i = 0; s != NULL && i < sizeof(kind_name) / sizeof(kind_name[0]);
	     i++)
		if (strcmp(s, kind_name[i]) == 0) {
			*k = (enum source_kind)i;
			return 0;
		}
	return -1;
}

const char *
source_kind_name(enum source_kind k)
{
	return (unsigned int)k <= SOURCE_STDIN ? kind_name[k] : "?";
}

enum auditsock_mode
source_audit_mode(enum source_kind k)
{
	return k == SOURCE_MULTICAST ? AUDITSOCK_MULTICAST
	       : k == SOURCE_STDIN   ? AUDITSOCK_CONTROL
	                             : AUDITSOCK_UNICAST;
}

/* Every record, whatever its way in. */
void
source_record(uint16_t type, const char *payload, size_t len, void *arg)
{
	struct source *s = arg;
	struct record rec;
	bool ok;

	/* Unicast has backpressure and the kernel's lost counter: nothing
	 * to count on this hot path. */
	if (s->kind == SOURCE_UNICAST) {
		s->fn(type, payload, len, s->arg);
		return;
	}
	ok = record_parse(&rec, type, payload, len) == 0;
	/* auditd's own DAEMON_* records number from auditd's counter */
	if (ok && (type < 1200 || type > 1299))
		s->missing += serialgap_see(&s->sg, rec.serial, s->now_ms);
	s->fn(type, payload, len, s->arg);
	if (ok && s->tr != NULL)
		textend_see(&s->te, &rec, s->now_ms);
}

static void
text_record(uint16_t type, const char *payload, size_t len, struct str node,
            void *arg)
{
	(void)node; /* live input: the host is this one */
	source_record(type, payload, len, arg);
}

static void
text_end(const char *eoe, size_t len, void *arg)
{
	struct source *s = arg;

	s->fn(RECORD_EOE, eoe, len, s->arg);
}

int
source_init(struct source *s, enum source_kind k, int fd,
            auditsock_record_fn *fn, void *arg)
{
	struct stat st;
	int fl;

	memset(s, 0, sizeof(*s));
	s->kind = k;
	s->fn = fn;
	s->arg = arg;
	s->fd = -1;
	serialgap_init(&s->sg, SOURCE_SERIAL_WINDOW_MS);
	textend_init(&s->te, SOURCE_TEXT_DEPTH, SOURCE_TEXT_QUIET_MS, text_end,
	             s);
	if (k != SOURCE_STDIN)
		return 0;
	if (fstat(fd, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		/* epoll cannot wait on a file: a log file is for -replay */
		log_warnx("source: stdin must be a pipe (auditd's plugin "
		          "feed); read log files with -replay");
		return -1;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		log_warn("source: stdin O_NONBLOCK");
		return -1;
	}
	s->fd = fd;
	s->tr = textrec_new("stdin", text_record, s);
	return s->tr == NULL ? -1 : 0;
}

void
source_fini(struct source *s)
{
	textrec_free(s->tr);
	s->tr = NULL;
}

ssize_t
source_read_text(struct source *s, uint64_t now_ms)
{
	char buf[16384];
	size_t total = 0;
	uint64_t before;
	ssize_t n;

	if (s->tr == NULL || s->eof)
		return 0;
	s->now_ms = now_ms;
	before = textrec_stats(s->tr)->parsed;
	while (total < SOURCE_READ_MAX) {
		n = read(s->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			if (n < 0)
				log_warn("source: read stdin");
			else
				log_info("source: end of input on stdin");
			source_finish(s);
			return n < 0 ? -1
			             : (ssize_t)(textrec_stats(s->tr)->parsed -
			                         before);
		}
		textrec_feed(s->tr, buf, (size_t)n);
		total += (size_t)n;
	}
	return (ssize_t)(textrec_stats(s->tr)->parsed - before);
}

void
source_tick(struct source *s, uint64_t now_ms)
{
	s->now_ms = now_ms;
	if (s->tr != NULL)
		textend_tick(&s->te, now_ms, false);
	if (s->kind != SOURCE_UNICAST)
		s->missing += serialgap_tick(&s->sg, now_ms, false);
}

void
source_finish(struct source *s)
{
	if (s->tr != NULL && !s->eof) {
		textrec_finish(s->tr);
		textend_tick(&s->te, s->now_ms, true);
	}
	s->eof = true;
	if (s->kind != SOURCE_UNICAST)
		s->missing += serialgap_tick(&s->sg, s->now_ms, true);
}

uint64_t
source_take_missing(struct source *s)
{
	uint64_t m = s->missing;

	s->missing = 0;
	return m;
}

/* "pid N (comm)" of the registered daemon, for the start line. */
static void
daemon_name(uint32_t pid, char *out, size_t cap)
{
	char path[64], comm[64] = "?";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "r");
	if (f != NULL) {
		if (fgets(comm, sizeof(comm), f) == NULL)
			util_strlcpy(comm, "?", sizeof(comm));
		comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	snprintf(out, cap, "pid %u (%s)", pid, comm);
}

/* godo's table as `godo -rules` printed it, with or without exclude_exe:
 * the set found loaded, or NULL. */
static int
find_loaded(int ctl, const struct rules_opts *ro, struct rules **found_rs)
{
	struct rules_opts v[2] = {{0, ro->exclude_exe, 0}, {0, NULL, 0}};
	struct rules_check c;
	int i;

	*found_rs = NULL;
	for (i = 0; i < 2; i++) {
		struct rules *rs = rules_build(&v[i], NULL);

		if (rs == NULL)
			return -1;
		if (rules_check(ctl, rs, &c) != 0) {
			rules_free(rs);
			return -1;
		}
		if (c.missing == 0) {
			*found_rs = rs;
			return 0;
		}
		rules_free(rs);
		if (ro->exclude_exe == NULL)
			break;
	}
	return 0;
}

int
source_rules(int ctl, const struct auditsock_status *found,
             const struct rules_opts *ro, bool install, struct rules **found_rs,
             struct rules **own)
{
	char who[128];
	int failed = 0;

	*own = NULL;
	if (found->pid != 0) {
		daemon_name(found->pid, who, sizeof(who));
		log_info("audit daemon: %s is registered and keeps its role; "
		         "godo reads beside it (enabled=%u)",
		         who, found->enabled);
	} else {
		log_warnx("audit daemon: none registered (enabled=%u): the "
		          "kernel also writes the records to its log",
		          found->enabled);
	}
	if (found->enabled == 0)
		log_warnx("audit is disabled (enabled=0): nothing is recorded "
		          "until the daemon enables it");
	if (find_loaded(ctl, ro, found_rs) != 0)
		return -1;
	if (*found_rs != NULL) {
		log_info("godo's rules are loaded (%d rules, e.g. by "
		         "augenrules): godo uses them and leaves them",
		         rules_count(*found_rs));
		return 0;
	}
	if (!install) {
		log_warnx("godo's rules are not loaded and -rules-mode=none: "
		          "godo sees only what other rules record (load them: "
		          "godo -rules > /etc/audit/rules.d/godo.rules; "
		          "augenrules --load)");
		return 0;
	}
	if (found->enabled == 2) {
		log_warnx("godo's rules are not loaded and audit is locked: "
		          "they cannot be installed");
		return -1;
	}
	*own = rules_install(ctl, ro, &failed);
	if (*own == NULL)
		return -1;
	log_info("godo's rules were not loaded: installed %d of its own "
	         "(removed at exit)%s",
	         rules_count(*own), failed ? ", some failed" : "");
	return 0;
}
