/* ctwatch.c - see ctwatch.h. */
#include "ctwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctinfo.h"
#include "esc.h"
#include "log.h"
#include "schema.h"

enum ctw_state { CTW_FREE, CTW_PENDING, CTW_FOUND, CTW_GONE };

struct ctw_entry {
	char id[65];
	uint8_t state;
	uint8_t attempts;
	int8_t root;      /* where it was found; -1: not yet */
	uint64_t next_ms; /* the next retry or signature check */
	uint64_t seen_ms; /* the latest ctwatch_seen */
	uint64_t sig;     /* ctinfo_signature when last read */
	uint64_t doc_hash;
};

struct ctw_root {
	char path[PATH_MAX_BYTES];
	int fd;
	int32_t pid; /* the dockerd it came from; 0: the default */
};

struct ctwatch {
	struct ctw_entry *e;
	struct ctw_root roots[CTWATCH_ROOTS_MAX];
	unsigned int nroots;
	const char *proc_root, *daemon_json;
	bool scanned, unresolved, default_added;
	uint64_t scan_ms;
	unsigned int cursor; /* round robin of signature checks */
	struct gap_tally refused, missing;
	struct ctwatch_stats st;
};

struct ctwatch *
ctwatch_new(const char *proc_root, const char *daemon_json)
{
	struct ctwatch *cw = calloc(1, sizeof(*cw));

	if (cw != NULL)
		cw->e = calloc(CTWATCH_MAX, sizeof(*cw->e));
	if (cw == NULL || cw->e == NULL) {
		log_warn("ctwatch: calloc");
		free(cw);
		return NULL;
	}
	cw->proc_root = proc_root;
	cw->daemon_json = daemon_json;
	return cw;
}

void
ctwatch_free(struct ctwatch *cw)
{
	unsigned int i;

	if (cw == NULL)
		return;
	for (i = 0; i < cw->nroots; i++)
		if (close(cw->roots[i].fd) != 0)
			log_debug("ctwatch: close: %s", strerror(errno));
	free(cw->e);
	free(cw);
}

/* path joins the roots (once; the table is bounded). */
static void
add_root(struct ctwatch *cw, const char *path, int32_t pid)
{
	unsigned int i;
	int fd;

	for (i = 0; i < cw->nroots; i++)
		if (strcmp(cw->roots[i].path, path) == 0)
			return;
	if (cw->nroots == CTWATCH_ROOTS_MAX) {
		log_warnx("ctwatch: more than %d Docker data roots: %s ignored",
		          CTWATCH_ROOTS_MAX, path);
		return;
	}
	/* the data root is the administrator's choice, followed as given;
	 * beneath it nothing is followed */
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		log_debug("ctwatch: data root %s: %s", path, strerror(errno));
		return;
	}
	util_strlcpy(cw->roots[cw->nroots].path, path, PATH_MAX_BYTES);
	cw->roots[cw->nroots].fd = fd;
	cw->roots[cw->nroots++].pid = pid;
	log_info("ctwatch: container identities from %s%s", path,
	         pid ? "" : " (no dockerd seen)");
}

void
ctwatch_daemon(struct ctwatch *cw, int32_t pid)
{
	char root[PATH_MAX_BYTES];
	unsigned int i;

	for (i = 0; i < cw->nroots; i++)
		if (cw->roots[i].pid == pid)
			return;
	if (ctinfo_data_root(cw->proc_root, pid, cw->daemon_json, root,
	                     sizeof(root)) == 0)
		add_root(cw, root, pid);
}

bool
ctwatch_want_scan(struct ctwatch *cw, uint64_t now_ms, bool *first)
{
	*first = !cw->scanned;
	if (cw->scanned &&
	    (!cw->unresolved || now_ms < cw->scan_ms + CTWATCH_SCAN_MS))
		return false;
	cw->scanned = true;
	cw->unresolved = false;
	cw->scan_ms = now_ms;
	return true;
}

static struct ctw_entry *
find(struct ctwatch *cw, const char *id)
{
	unsigned int i;

	for (i = 0; i < CTWATCH_MAX; i++)
		if (cw->e[i].state != CTW_FREE &&
		    memcmp(cw->e[i].id, id, 64) == 0)
			return &cw->e[i];
	return NULL;
}

/* A free slot, else a gone one, else the one seen longest ago. */
static struct ctw_entry *
take_slot(struct ctwatch *cw)
{
	struct ctw_entry *gone = NULL, *old = &cw->e[0];
	unsigned int i;

	for (i = 0; i < CTWATCH_MAX; i++) {
		struct ctw_entry *x = &cw->e[i];

		if (x->state == CTW_FREE)
			return x;
		if (x->state == CTW_GONE && gone == NULL)
			gone = x;
		if (x->seen_ms < old->seen_ms)
			old = x;
	}
	if (gone != NULL)
		return gone;
	cw->st.evicted++;
	return old;
}

static void
refused(struct ctwatch *cw, const struct ctw_entry *x, const char *why,
        int64_t now_ns)
{
	cw->st.refused++;
	writeback_tally(&cw->refused, now_ns, 1);
	log_warnx("ctwatch: container %.12s: Docker's config refused (%s): "
	          "its identity is not recorded",
	          x->id, why);
}

/* Reads x's files under the first root that has them and writes its
 * document when it changed. */
static void
attempt(struct ctwatch *cw, struct writeback *wb, struct ctw_entry *x,
        uint64_t now_ms, int64_t now_ns)
{
	enum ctinfo_rc rc = CTINFO_MISSING;
	const char *why = "";
	struct ctinfo *ci = malloc(sizeof(*ci)); /* large: not on the stack */
	unsigned int i;
	uint64_t sig = 0;

	if (ci == NULL) {
		log_warn("ctwatch: malloc");
		return;
	}
	for (i = 0; i < cw->nroots && rc == CTINFO_MISSING; i++) {
		/* taken first: a rewrite during the read is seen next time */
		sig = ctinfo_signature(cw->roots[i].fd, x->id);
		rc = ctinfo_read(cw->roots[i].fd, cw->roots[i].path, x->id, ci,
		                 &why);
	}
	if (rc != CTINFO_MISSING) {
		x->root = (int8_t)(i - 1);
		x->sig = sig;
		x->state = CTW_FOUND;
		x->next_ms = now_ms + CTWATCH_RECHECK_MS;
	}
	if (rc == CTINFO_OK) {
		if (writeback_container(wb, ci, now_ns, &x->doc_hash))
			cw->st.docs++;
		ctinfo_free(ci);
	} else if (rc == CTINFO_REFUSED) {
		refused(cw, x, why, now_ns);
	} else if (++x->attempts >= CTWATCH_ATTEMPTS) {
		x->state = CTW_GONE;
		cw->st.missing++;
		writeback_tally(&cw->missing, now_ns, 1);
		log_info("ctwatch: container %.12s: no config.v2.json under "
		         "any Docker data root: its identity is not recorded",
		         x->id);
	} else {
		unsigned int shift = x->attempts < 5 ? x->attempts : 5;

		cw->unresolved = true;
		x->next_ms = now_ms + ((uint64_t)CTWATCH_RETRY_MS << shift);
	}
	free(ci);
}

void
ctwatch_seen(struct ctwatch *cw, struct writeback *wb, const char *id,
             uint64_t now_ms, int64_t now_ns)
{
	struct ctw_entry *x;

	if (!ctinfo_is_id(id))
		return;
	if (!cw->default_added) {
		char root[PATH_MAX_BYTES];

		ctinfo_default_root(cw->daemon_json, root, sizeof(root));
		add_root(cw, root, 0);
		cw->default_added = true;
	}
	x = find(cw, id);
	if (x != NULL) {
		x->seen_ms = now_ms;
		if (x->state == CTW_FOUND)
			x->next_ms = now_ms; /* a new task: a restart? */
		return;
	}
	x = take_slot(cw);
	memset(x, 0, sizeof(*x));
	memcpy(x->id, id, 65);
	x->state = CTW_PENDING;
	x->root = -1;
	x->seen_ms = now_ms;
	attempt(cw, wb, x, now_ms, now_ns);
}

/* A found container's files: gone (docker rm), changed (re-read) or as
 * they were. */
static void
check(struct ctwatch *cw, struct writeback *wb, struct ctw_entry *x,
      uint64_t now_ms, int64_t now_ns)
{
	uint64_t sig = ctinfo_signature(cw->roots[x->root].fd, x->id);

	x->next_ms = now_ms + CTWATCH_RECHECK_MS;
	if (sig == 0)
		x->state = CTW_GONE;
	else if (sig != x->sig)
		attempt(cw, wb, x, now_ms, now_ns);
}

void
ctwatch_tick(struct ctwatch *cw, struct writeback *wb, uint64_t now_ms,
             int64_t now_ns)
{
	unsigned int i, checks = 0;

	for (i = 0; i < CTWATCH_MAX && checks < CTWATCH_CHECKS_MAX; i++) {
		struct ctw_entry *x = &cw->e[cw->cursor];

		cw->cursor = (cw->cursor + 1) % CTWATCH_MAX;
		if (x->state == CTW_FREE || x->state == CTW_GONE ||
		    now_ms < x->next_ms)
			continue;
		checks++;
		if (x->state == CTW_PENDING)
			attempt(cw, wb, x, now_ms, now_ns);
		else
			check(cw, wb, x, now_ms, now_ns);
	}
	writeback_tally_write(wb, &cw->refused, "container_refused");
	writeback_tally_write(wb, &cw->missing, "container_missing");
}

void
ctwatch_get_stats(const struct ctwatch *cw, struct ctwatch_stats *out)
{
	*out = cw->st;
}
