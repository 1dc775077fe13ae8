/* verify.c - see verify.h. */
#include "verify.h"
#include "verify_priv.h"
#include "verifywin.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "esc.h"
#include "log.h"
#include "schema.h"
#include "strmap.h"
#include "vis.h"

/* What the allocator adds to each block, counted with it. */
#define VERIFY_MALLOC_OVERHEAD 16u

enum kind {
	K_CHANGED = VK_CHANGED,
	K_ADDED = VK_ADDED,
	K_DELETED = VK_DELETED,
	K_LINK,
	K_TAIL
};
static const char *const kind_name[] = {"changed", "added outside a chain",
                                        "deleted", "chain", "newest links"};

struct verify *
verify_new(const struct digest_key *key)
{
	struct verify *v = calloc(1, sizeof(*v));

	if (v == NULL || (v->slots = strmap_new()) == NULL) {
		log_warn("verify: out of memory");
		free(v);
		return NULL;
	}
	v->key = key;
	v->limit = VERIFY_MEM_DEFAULT;
	v->r.since = INT64_MIN;
	v->r.until = INT64_MAX;
	return v;
}

void
verify_set_window(struct verify *v, int64_t since, int64_t until)
{
	v->r.since = since;
	v->r.until = until;
	v->r.windowed = since != INT64_MIN || until != INT64_MAX;
}

void
verify_set_limit(struct verify *v, uint64_t bytes)
{
	v->limit = bytes != 0 ? bytes : VERIFY_MEM_DEFAULT;
}

uint64_t
verify_held(const struct verify *v)
{
	return v->held;
}

/* n more bytes held, when they fit the limit; past it one error line. */
bool
verify_take(struct verify *v, size_t n)
{
	if (v->held + n <= v->limit) {
		v->held += n;
		return true;
	}
	if (!v->over)
		log_warnx("verify: the check would hold more than %" PRIu64
		          " MiB (%" PRIu64 " links, %" PRIu64 " documents "
		          "read so far, about 300 bytes each): stopped, "
		          "nothing verified",
		          v->limit >> 20, v->r.links, v->r.docs);
	v->over = true;
	return false;
}

void
verify_free(struct verify *v)
{
	size_t i;
	struct entry *e, *next;

	if (v == NULL)
		return;
	for (i = 0; i < v->nall; i++) {
		for (e = v->all[i]->first; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
		free(v->all[i]->key);
		free(v->all[i]);
	}
	free(v->all);
	free(v->links);
	strmap_free(v->slots);
	free(v);
}

/* "coll id", the id as text: a string as is (escaped when shown), anything
 * else as its canonical extended JSON. NULL when out of memory. */
char *
verify_slot_key(const char *coll, const bson_iter_t *id)
{
	struct buf b;
	uint32_t n;
	const char *s;

	buf_init(&b);
	buf_adds(&b, coll);
	buf_addc(&b, ' ');
	if (BSON_ITER_HOLDS_UTF8(id)) {
		s = bson_iter_utf8(id, &n);
		buf_add(&b, s, n);
	} else {
		bson_t one = BSON_INITIALIZER;
		char *json;

		if (bson_append_iter(&one, "", 0, id) &&
		    (json = bson_as_canonical_extended_json(&one, NULL)) !=
		        NULL) {
			buf_adds(&b, json);
			bson_free(json);
		}
		bson_destroy(&one);
	}
	if (b.oom) {
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

/* A slot's bytes: itself, its key twice (its own and the map's copy),
 * its place in all and in the map (half load, keys and values). */
static size_t
slot_bytes(const char *key)
{
	return sizeof(struct slot) + 2 * (strlen(key) + 1) +
	       sizeof(struct slot *) + 4 * sizeof(void *) +
	       3 * VERIFY_MALLOC_OVERHEAD;
}

struct slot *
verify_slot_get(struct verify *v, char *key)
{
	struct slot *s = strmap_get(v->slots, key);

	if (s != NULL) {
		free(key);
		return s;
	}
	if (!verify_take(v, slot_bytes(key))) {
		free(key);
		return NULL;
	}
	if (v->nall == v->capall) {
		size_t cap = v->capall ? 2 * v->capall : 1024;
		struct slot **a = realloc(v->all, cap * sizeof(*a));

		if (a == NULL)
			goto oom;
		v->all = a;
		v->capall = cap;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto oom;
	s->key = key;
	s->lo = INT64_MAX; /* no time yet */
	s->hi = INT64_MIN;
	s->coll = (uint8_t)verifywin_coll_index(key);
	strmap_put(v->slots, key, s);
	v->all[v->nall++] = s;
	return s;
oom:
	log_warn("verify: out of memory");
	free(key);
	return NULL;
}

bool
verify_get_digest(const bson_t *doc, const char *field,
                  unsigned char out[DIGEST_LEN])
{
	bson_iter_t it;
	bson_subtype_t sub;
	uint32_t n = 0;
	const uint8_t *d = NULL;

	if (!bson_iter_init_find(&it, doc, field) ||
	    !BSON_ITER_HOLDS_BINARY(&it))
		return false;
	bson_iter_binary(&it, &sub, &n, &d);
	if (n != DIGEST_LEN)
		return false;
	memcpy(out, d, DIGEST_LEN);
	return true;
}

int64_t
verify_get_i64(const bson_t *doc, const char *field)
{
	bson_iter_t it;

	if (bson_iter_init_find(&it, doc, field) && BSON_ITER_HOLDS_NUMBER(&it))
		return bson_iter_as_int64(&it);
	return -1;
}

void
verify_get_str(const bson_t *doc, const char *field, char *out, size_t n)
{
	bson_iter_t it;
	uint32_t len;
	const char *s;

	out[0] = '\0';
	if (bson_iter_init_find(&it, doc, field) && BSON_ITER_HOLDS_UTF8(&it)) {
		s = bson_iter_utf8(&it, &len);
		if (len >= n)
			len = (uint32_t)n - 1;
		memcpy(out, s, len);
		out[len] = '\0';
	}
}

static void
read_prev_run(const bson_t *doc, struct link *l)
{
	bson_iter_t it;
	const uint8_t *data;
	uint32_t len;
	bson_t sub;

	if (!bson_iter_init_find(&it, doc, F_CHAIN_PREV_RUN) ||
	    !BSON_ITER_HOLDS_DOCUMENT(&it))
		return;
	bson_iter_document(&it, &len, &data);
	if (!bson_init_static(&sub, data, len))
		return;
	verify_get_str(&sub, F_CHAIN_RUN, l->prev_run.run,
	               sizeof(l->prev_run.run));
	l->prev_run.seq = (uint64_t)verify_get_i64(&sub, F_CHAIN_SEQ);
	l->has_prev_run = verify_get_digest(&sub, F_CHAIN_PREV, l->prev_run.dg);
}

static int
add_entry(struct verify *v, char *key, const unsigned char d[DIGEST_LEN],
          size_t link)
{
	struct entry *en;
	struct slot *s;

	if (!verify_take(v, sizeof(*en) + VERIFY_MALLOC_OVERHEAD)) {
		free(key);
		return -1;
	}
	en = calloc(1, sizeof(*en));
	if (en == NULL) {
		free(key);
		log_warn("verify: out of memory");
		return -1;
	}
	memcpy(en->d, d, DIGEST_LEN);
	s = verify_slot_get(v, key);
	if (s == NULL) {
		free(en);
		if (v->over)
			return -1;
		v->links[link].own_ok = false;
		return 0;
	}
	en->link = (uint32_t)link;
	en->next = s->first;
	s->first = en;
	v->r.entries++;
	return 0;
}

int
verify_add_entries(struct verify *v, const bson_t *doc, uint32_t link)
{
	bool bad;
	int rc = verify_each_entry(v, doc, link, add_entry, &bad);

	if (bad)
		v->links[link].own_ok = false; /* a malformed entry */
	return rc;
}

int
verify_link(struct verify *v, const bson_t *doc)
{
	unsigned char d[DIGEST_LEN];
	struct link *l;

	if (v->nlinks == v->caplinks) {
		size_t cap = v->caplinks ? 2 * v->caplinks : 256;
		struct link *a;

		if (!verify_take(v, (cap - v->caplinks) * sizeof(*a)))
			return -1;
		a = realloc(v->links, cap * sizeof(*a));

		if (a == NULL) {
			log_warn("verify: out of memory");
			return -1;
		}
		v->links = a;
		v->caplinks = cap;
	}
	l = &v->links[v->nlinks];
	memset(l, 0, sizeof(*l));
	verify_get_str(doc, F_CHAIN_RUN, l->run, sizeof(l->run));
	l->seq = (uint64_t)verify_get_i64(doc, F_CHAIN_SEQ);
	l->has_prev = verify_get_digest(doc, F_CHAIN_PREV, l->prev);
	l->from_ns = verify_get_i64(doc, F_CHAIN_FROM_NS);
	l->to_ns = verify_get_i64(doc, F_CHAIN_TO_NS);
	read_prev_run(doc, l);
	l->own_ok = verify_get_digest(doc, DIGEST_FIELD, l->dg) &&
	            digest_doc(v->key, doc, d) == 0 &&
	            memcmp(d, l->dg, DIGEST_LEN) == 0;
	v->nlinks++;
	v->r.links++;
	if (v->r.windowed) /* entries: verifywin_link_entries, later */
		return 0;
	return verify_add_entries(v, doc, (uint32_t)(v->nlinks - 1));
}

int
verify_doc(struct verify *v, const char *coll, const bson_t *doc)
{
	bson_iter_t id;
	struct slot *s;
	char *key;

	v->r.docs++;
	if (bson_has_field(doc, DIGEST_FIELD))
		v->r.digested++;
	if (!bson_iter_init_find(&id, doc, F_ID) ||
	    (key = verify_slot_key(coll, &id)) == NULL)
		return -1;
	if (v->r.windowed && strmap_get(v->slots, key) == NULL &&
	    !verifywin_doc_in(v, coll, doc)) {
		free(key); /* not the window's: not held */
		v->r.outside++;
		return 0;
	}
	s = verify_slot_get(v, key);
	if (s == NULL)
		return -1;
	s->seen = true;
	verifywin_doc_times(coll, doc, &s->lo, &s->hi);
	if (digest_doc(v->key, doc, s->d) != 0)
		memset(s->d, 0, sizeof(s->d)); /* matches nothing: changed */
	return 0; /* judged at the end: its entries may come later */
}

/* ---- reporting ---- */

static void
fmt_time(int64_t ns, char *out, size_t n)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;

	if (ns < 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, n, "?");
}

/* One finding: what, for a document (s not NULL) its time range, and the
 * link l it is about. */
static void
say(struct verify *v, enum kind k, const char *what, const struct slot *s,
    const struct link *l)
{
	char from[32], to[32];
	struct buf b;

	if (v->shown[k]++ >= VERIFY_SHOW_MAX)
		return;
	buf_init(&b);
	vis_text(&b, what, strlen(what));
	if (s != NULL)
		verifywin_say_range(&b, s, l);
	if (l != NULL) {
		fmt_time(l->from_ns, from, sizeof(from));
		fmt_time(l->to_ns, to, sizeof(to));
		buf_printf(&b, " (link %" PRIu64 " of run ", l->seq);
		vis_text(&b, l->run, strlen(l->run));
		buf_printf(&b, ", %s .. %s)", from, to);
	}
	fprintf(v->out, "verify: %s: %s\n", kind_name[k], b.data ? b.data : "");
	buf_free(&b);
}

int
verify_link_cmp(const void *a, const void *b)
{
	const struct link *x = a, *y = b;
	int c = strcmp(x->run, y->run);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

ptrdiff_t
verify_find_link(const struct verify *v, const char *run, uint64_t seq)
{
	struct link key;
	const struct link *l;

	if (v->nlinks == 0)
		return -1;
	memset(&key, 0, sizeof(key));
	snprintf(key.run, sizeof(key.run), "%s", run);
	key.seq = seq;
	l = bsearch(&key, v->links, v->nlinks, sizeof(key), verify_link_cmp);
	return l == NULL ? -1 : l - v->links;
}

/* The link (run, seq) among the sorted links, or NULL. */
static const struct link *
find_link(const struct verify *v, const char *run, uint64_t seq)
{
	ptrdiff_t i = verify_find_link(v, run, seq);

	return i < 0 ? NULL : &v->links[i];
}

static void
bad_link(struct verify *v, const char *what, const struct link *l)
{
	v->r.link_bad++;
	say(v, K_LINK, what, NULL, l);
}

size_t
verify_run_end(const struct verify *v, size_t i)
{
	size_t j = i;

	while (j < v->nlinks && strcmp(v->links[j].run, v->links[i].run) == 0)
		j++;
	return j;
}

void
verify_check_slice(struct verify *v, size_t i, size_t end, bool mid)
{
	const struct link *l, *p = NULL;
	size_t j;
	char msg[128];

	for (j = i; j < end; j++) {
		l = &v->links[j];
		if (!l->own_ok)
			bad_link(v, "link changed (its digest does not match)",
			         l);
		if (p == NULL && l->seq != 0 && !mid) {
			snprintf(msg, sizeof(msg),
			         "links 0..%" PRIu64 " missing", l->seq - 1);
			bad_link(v, msg, l);
		} else if (p != NULL && l->seq == p->seq) {
			bad_link(v,
			         "link repeated (a second link of this number)",
			         l);
		} else if (p != NULL && l->seq != p->seq + 1) {
			snprintf(msg, sizeof(msg),
			         "links %" PRIu64 "..%" PRIu64 " missing",
			         p->seq + 1, l->seq - 1);
			bad_link(v, msg, l);
		} else if (p != NULL && (!l->has_prev ||
		                         memcmp(l->prev, p->dg, DIGEST_LEN))) {
			bad_link(v,
			         "link out of order (prev is not the digest of "
			         "the link before)",
			         l);
		}
		p = l;
	}
}

void
verify_check_prev_run(struct verify *v, const struct link *first)
{
	const struct link *h;
	struct buf b;

	if (first->seq != 0 || !first->has_prev_run)
		return;
	h = find_link(v, first->prev_run.run, first->prev_run.seq);
	if (h != NULL && memcmp(h->dg, first->prev_run.dg, DIGEST_LEN) == 0)
		return;
	buf_init(&b);
	buf_printf(&b,
	           "the previous run's head (link %" PRIu64 " of run %s) is %s",
	           first->prev_run.seq, first->prev_run.run,
	           h == NULL ? "missing" : "different");
	bad_link(v, b.data ? b.data : "previous run's head", first);
	buf_free(&b);
}

static void
check_tail(struct verify *v, const struct chain_head *tail)
{
	const struct link *h = find_link(v, tail->run, tail->seq);
	char msg[128];

	if (h != NULL && memcmp(h->dg, tail->dg, DIGEST_LEN) == 0)
		return;
	v->r.tail_bad++;
	snprintf(msg, sizeof(msg), "link %" PRIu64 " of run %.40s... is %s",
	         tail->seq, tail->run, h == NULL ? "missing" : "different");
	say(v, K_TAIL, msg, NULL, h);
}

/* One document finding: counted, its range kept, said. */
static void
doc_finding(struct verify *v, enum kind k, const struct slot *s,
            const struct link *l)
{
	verifywin_count(&v->r, (int)k, s, l);
	say(v, k, s->key, s, l);
}

static void
check_docs(struct verify *v)
{
	struct entry *e;
	size_t i;
	bool any;

	for (i = 0; i < v->nall; i++) {
		struct slot *s = v->all[i];

		any = s->else_match; /* windowed: an entry outside it */
		for (e = s->first; s->seen && e != NULL; e = e->next)
			any = any || memcmp(e->d, s->d, DIGEST_LEN) == 0;
		if (s->seen && s->first == NULL && !s->else_any) {
			v->r.added++;
			doc_finding(v, K_ADDED, s, NULL);
		} else if (s->seen && !any) {
			v->r.changed++;
			doc_finding(v, K_CHANGED, s,
			            &v->links[s->first != NULL ? s->first->link
			                                       : s->else_link]);
		} else if (!s->seen) {
			v->r.deleted++;
			doc_finding(v, K_DELETED, s, &v->links[s->first->link]);
		}
	}
}

static void
more_lines(struct verify *v)
{
	int k;

	for (k = K_CHANGED; k <= K_TAIL; k++)
		if (v->shown[k] > VERIFY_SHOW_MAX)
			fprintf(v->out,
			        "verify: %s: ... and %" PRIu64 " more\n",
			        kind_name[k], v->shown[k] - VERIFY_SHOW_MAX);
}

void
verify_finish(struct verify *v, const struct chain_head *tail, FILE *out,
              struct verify_result *r)
{
	size_t i, next;

	v->out = out;
	check_docs(v); /* entries point at links by index: before the sort */
	if (v->r.windowed) {
		verifywin_check_links(v);
	} else {
		if (v->nlinks > 0) /* links is NULL then: not for qsort */
			qsort(v->links, v->nlinks, sizeof(*v->links),
			      verify_link_cmp);
		for (i = 0; i < v->nlinks; i = next) {
			next = verify_run_end(v, i);
			verify_check_slice(v, i, next, false);
			verify_check_prev_run(v, &v->links[i]);
		}
		v->r.links_looked = v->nlinks;
	}
	if (tail != NULL)
		check_tail(v, tail);
	more_lines(v);
	*r = v->r;
}

bool
verify_unchained(const struct verify_result *r)
{
	return r->links == 0 && r->digested == 0;
}

bool
verify_failed(const struct verify_result *r)
{
	return r->changed || r->added || r->deleted || r->link_bad ||
	       r->tail_bad || r->links == 0 ||
	       (r->windowed && r->win_links == 0);
}

const char *
verify_kind_name(int k)
{
	return k >= 0 && k < VK_NKIND ? kind_name[k] : "?";
}
