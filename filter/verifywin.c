/* verifywin.c - see verifywin.h. */
#include "verifywin.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schema.h"
#include "strmap.h"
#include "verify_priv.h"

#define NS_PER_MS 1000000LL

static const char *const coll_names[VERIFY_NCOLL] = {
    COLL_PIDS, COLL_FILES, COLL_GAPS, COLL_RUNS, COLL_CONTAINERS, "other"};

int
verifywin_coll_index(const char *key)
{
	size_t n = strcspn(key, " ");
	int i;

	for (i = 0; i < VERIFY_NCOLL - 1; i++)
		if (strlen(coll_names[i]) == n &&
		    strncmp(key, coll_names[i], n) == 0)
			return i;
	return VERIFY_NCOLL - 1;
}

const char *
verifywin_coll_name(int i)
{
	return i >= 0 && i < VERIFY_NCOLL ? coll_names[i] : "?";
}

/* ---- a document's times ---- */

static void
widen(int64_t *lo, int64_t *hi, int64_t ns)
{
	if (ns < *lo)
		*lo = ns;
	if (ns > *hi)
		*hi = ns;
}

/* A time field: "ns" or "*_ns" holding an integer, or any date (older
 * databases carry only the dates). */
static bool
time_of(const bson_iter_t *it, int64_t *ns)
{
	const char *k = bson_iter_key(it);
	size_t n = strlen(k);
	int64_t ms;

	if (BSON_ITER_HOLDS_DATE_TIME(it)) {
		ms = bson_iter_date_time(it);
		/* a date past int64 nanoseconds: clamped, not wrapped */
		if (ms > INT64_MAX / NS_PER_MS)
			*ns = INT64_MAX - 1;
		else if (ms < INT64_MIN / NS_PER_MS)
			*ns = INT64_MIN + 1;
		else
			*ns = ms * NS_PER_MS;
		return true;
	}
	if ((BSON_ITER_HOLDS_INT64(it) || BSON_ITER_HOLDS_INT32(it)) &&
	    (strcmp(k, "ns") == 0 ||
	     (n > 3 && strcmp(k + n - 3, "_ns") == 0))) {
		*ns = bson_iter_as_int64(it);
		return true;
	}
	return false;
}

/* The times of the documents in the array at it (execve, docs). */
static void
array_times(const bson_iter_t *it, int64_t *lo, int64_t *hi)
{
	bson_iter_t el, f;
	int64_t ns;

	if (!bson_iter_recurse(it, &el))
		return;
	while (bson_iter_next(&el))
		if (BSON_ITER_HOLDS_DOCUMENT(&el) && bson_iter_recurse(&el, &f))
			while (bson_iter_next(&f))
				if (time_of(&f, &ns))
					widen(lo, hi, ns);
}

void
verifywin_doc_times(const char *coll, const bson_t *doc, int64_t *lo,
                    int64_t *hi)
{
	bson_iter_t it;
	int64_t ns;
	bool any = false, exited = false;

	if (!bson_iter_init(&it, doc))
		return;
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);

		if (time_of(&it, &ns)) {
			widen(lo, hi, ns);
			any = true;
		} else if (BSON_ITER_HOLDS_ARRAY(&it) &&
		           (strcmp(k, F_EXECVE) == 0 ||
		            strcmp(k, "docs") == 0)) {
			array_times(&it, lo, hi);
		}
		if (strcmp(k, F_EXIT_NS) == 0 || strcmp(k, F_EXIT_TS) == 0)
			exited = true;
	}
	/* a task written while it ran: for all it says, it still runs */
	if (any && !exited && strcmp(coll, COLL_PIDS) == 0)
		*hi = INT64_MAX;
}

bool
verifywin_doc_in(const struct verify *v, const char *coll, const bson_t *doc)
{
	int64_t lo = INT64_MAX, hi = INT64_MIN;

	verifywin_doc_times(coll, doc, &lo, &hi);
	if (lo > hi)
		return true; /* no time: it may be the window's */
	return lo <= v->r.until && hi >= v->r.since;
}

/* ---- the window's links ---- */

/* In the run [i, end): *f the first link not wholly before the window,
 * *l the last not wholly after it (-1: none). */
static void
span(const struct verify *v, size_t i, size_t end, ptrdiff_t *f, ptrdiff_t *l)
{
	size_t j;

	*f = *l = -1;
	for (j = i; j < end; j++) {
		if (*f < 0 && v->links[j].to_ns >= v->r.since)
			*f = (ptrdiff_t)j;
		if (v->links[j].from_ns <= v->r.until)
			*l = (ptrdiff_t)j;
	}
}

int
verifywin_plan(struct verify *v)
{
	size_t i, end;
	ptrdiff_t f, l, j;

	if (v->nlinks > 0) /* links is NULL then: not for qsort */
		qsort(v->links, v->nlinks, sizeof(*v->links), verify_link_cmp);
	for (i = 0; i < v->nlinks; i = end) {
		end = verify_run_end(v, i);
		span(v, i, end, &f, &l);
		for (j = f; f >= 0 && j <= l; j++) {
			v->links[j].win = true;
			v->r.win_links++;
		}
	}
	return 0;
}

/* The index of the stored link doc among the sorted links, or -1. */
static ptrdiff_t
link_index(const struct verify *v, const bson_t *doc)
{
	char run[CHAIN_RUN_MAX];

	verify_get_str(doc, F_CHAIN_RUN, run, sizeof(run));
	return verify_find_link(v, run,
	                        (uint64_t)verify_get_i64(doc, F_CHAIN_SEQ));
}

int
verifywin_link_entries(struct verify *v, const bson_t *doc)
{
	ptrdiff_t i = link_index(v, doc);

	if (i < 0 || !v->links[i].win)
		return 0;
	return verify_add_entries(v, doc, (uint32_t)i);
}

bool
verifywin_needs_look(struct verify *v)
{
	const struct entry *e;
	bool any = false;
	size_t i;

	for (i = 0; i < v->nall; i++) {
		struct slot *s = v->all[i];

		s->pending = s->seen;
		for (e = s->first; s->pending && e != NULL; e = e->next)
			s->pending = memcmp(e->d, s->d, DIGEST_LEN) != 0;
		any = any || s->pending;
	}
	return any;
}

/* One entry (key, d) of link i, against the judged document of its key. */
static int
look(struct verify *v, char *key, const unsigned char d[DIGEST_LEN], size_t i)
{
	struct slot *s = strmap_get(v->slots, key);

	free(key);
	if (s == NULL || !s->pending)
		return 0;
	if (!s->else_any)
		s->else_link = (uint32_t)i;
	s->else_any = true;
	if (memcmp(d, s->d, DIGEST_LEN) == 0) {
		s->else_match = true;
		s->else_link = (uint32_t)i;
		s->pending = false;
		v->links[i].evidence = true;
	}
	return 0;
}

int
verifywin_second_look(struct verify *v, const bson_t *doc)
{
	ptrdiff_t i = link_index(v, doc);
	bool bad; /* a malformed entry outside the window: not judged */

	if (i < 0 || v->links[i].win)
		return 0;
	return verify_each_entry(v, doc, (size_t)i, look, &bad);
}

void
verifywin_check_links(struct verify *v)
{
	size_t i, end, lo, hi, j;
	ptrdiff_t f, l;
	bool have;

	for (i = 0; i < v->nlinks; i = end) {
		end = verify_run_end(v, i);
		span(v, i, end, &f, &l);
		/* the window's links, or (none) the two around it */
		have = f >= 0 && l >= 0;
		lo = have ? (size_t)(f < l ? f : l) : end;
		hi = have ? (size_t)(f < l ? l : f) : i;
		for (j = i; j < end; j++)
			if (v->links[j].evidence) {
				lo = j < lo ? j : lo;
				hi = j > hi ? j : hi;
				have = true;
			}
		if (!have)
			continue;
		lo = lo > i ? lo - 1 : i; /* and one on each side */
		hi = hi + 1 < end ? hi + 1 : end - 1;
		verify_check_slice(v, lo, hi + 1, lo > i);
		if (lo == i)
			verify_check_prev_run(v, &v->links[i]);
		v->r.links_looked += hi + 1 - lo;
	}
}

/* ---- time ranges ---- */

void
verifywin_fmt_time(int64_t ns, char *out, size_t n)
{
	int64_t s = ns / 1000000000, sub = ns % 1000000000;
	time_t t;
	struct tm tm;
	char day[32];

	if (ns == INT64_MIN || ns == INT64_MAX) {
		snprintf(out, n, "open");
		return;
	}
	if (sub < 0) { /* before 1970: floor, not toward zero */
		sub += 1000000000;
		s--;
	}
	t = (time_t)s;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(out, n, "?");
	else
		snprintf(out, n, "%s.%03dZ", day, (int)(sub / NS_PER_MS));
}

static void
add_range(struct buf *b, int64_t lo, int64_t hi)
{
	char from[48], to[48];

	if (lo > hi) {
		buf_adds(b, "no time");
		return;
	}
	verifywin_fmt_time(lo, from, sizeof(from));
	verifywin_fmt_time(hi, to, sizeof(to));
	buf_printf(b, "%s .. %s", from, to);
}

void
verifywin_say_range(struct buf *b, const struct slot *s, const struct link *l)
{
	(void)l;
	if (!s->seen)
		return; /* deleted: its link's write times follow */
	buf_adds(b, " [");
	add_range(b, s->lo, s->hi);
	buf_addc(b, ']');
}

void
verifywin_count(struct verify_result *r, int k, const struct slot *s,
                const struct link *l)
{
	struct verify_range *g;

	if (k < 0 || k >= VK_NKIND || s->coll >= VERIFY_NCOLL)
		return;
	g = &r->range[k][s->coll];
	if (g->n++ == 0) {
		g->lo = INT64_MAX;
		g->hi = INT64_MIN;
	}
	if (s->seen && s->lo <= s->hi) {
		widen(&g->lo, &g->hi, s->lo);
		widen(&g->lo, &g->hi, s->hi);
	} else if (!s->seen && l != NULL) {
		widen(&g->lo, &g->hi, l->from_ns);
		widen(&g->lo, &g->hi, l->to_ns);
	}
}

void
verifywin_ranges(struct buf *b, const struct verify_result *r)
{
	const struct verify_range *g;
	int k, c;
	bool first;

	for (k = 0; k < VK_NKIND; k++) {
		first = true;
		for (c = 0; c < VERIFY_NCOLL; c++) {
			g = &r->range[k][c];
			if (g->n == 0)
				continue;
			if (first)
				buf_printf(b, "; %s:", verify_kind_name(k));
			buf_printf(b, "%s %s %" PRIu64 " (", first ? "" : ",",
			           coll_names[c], g->n);
			add_range(b, g->lo, g->hi);
			buf_addc(b, ')');
			first = false;
		}
	}
}
