/* chain.c - see chain.h. */
#include "chain.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chainent.h"
#include "log.h"
#include "schema.h"

static void
copy_cut(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src != NULL ? src : "");
}

void
chain_init(struct chain *c, const struct digest_key *key, const char *host,
           const char *run, const struct chain_head *prev_run)
{
	memset(c, 0, sizeof(*c));
	c->key = key;
	copy_cut(c->host, sizeof(c->host), host);
	copy_cut(c->run, sizeof(c->run), run);
	if (prev_run != NULL)
		c->prev_run = *prev_run;
}

void
chain_fini(struct chain *c)
{
	free(c->ents);
	c->ents = NULL;
	c->ents_len = c->ents_cap = 0;
}

/* Room for need more bytes in the open link's entries. */
static int
ents_reserve(struct chain *c, size_t need)
{
	size_t cap = c->ents_cap ? c->ents_cap : 16384;
	unsigned char *p;

	if (c->ents_cap - c->ents_len >= need)
		return 0;
	while (cap - c->ents_len < need)
		cap *= 2;
	p = realloc(c->ents, cap);
	if (p == NULL) {
		log_warn("chain: out of memory for a link's entries");
		return -1;
	}
	c->ents = p;
	c->ents_cap = cap;
	return 0;
}

/* The entry (coll, _id, d) for doc, packed after the open link's others.
 * godo's _ids are strings: another type is refused (counted). */
static int
append_entry(struct chain *c, const char *coll, const bson_t *doc,
             const unsigned char d[DIGEST_LEN])
{
	bson_iter_t it;
	const char *id;
	uint32_t n = 0;
	size_t sz;

	if (!bson_iter_init_find(&it, doc, F_ID) ||
	    !BSON_ITER_HOLDS_UTF8(&it)) {
		log_warnx("chain: a %s document without a string _id", coll);
		return -1;
	}
	id = bson_iter_utf8(&it, &n);
	sz = chainent_size(strlen(coll), n);
	if (sz == 0) {
		log_warnx("chain: a %s _id of %u bytes (at most %d)", coll,
		          (unsigned)n, CHAINENT_ID_MAX);
		return -1;
	}
	if (ents_reserve(c, sz) != 0)
		return -1;
	c->ents_len +=
	    chainent_put(c->ents + c->ents_len, coll, strlen(coll), id, n, d);
	return 0;
}

int
chain_add(struct chain *c, const char *coll, const bson_t *doc, int64_t ns,
          unsigned char out[DIGEST_LEN])
{
	if (digest_doc(c->key, doc, out) != 0 ||
	    append_entry(c, coll, doc, out) != 0) {
		c->refused++;
		return -1;
	}
	if (c->n == 0 || ns < c->from_ns)
		c->from_ns = ns;
	if (c->n == 0 || ns > c->to_ns)
		c->to_ns = ns;
	c->n++;
	c->docs++;
	return 0;
}

bool
chain_full(const struct chain *c)
{
	return c->n >= CHAIN_LINK_MAX;
}

static bool
append_head(bson_t *b, const char *key, const struct chain_head *h)
{
	bson_t sub;

	return bson_append_document_begin(b, key, -1, &sub) &&
	       BSON_APPEND_UTF8(&sub, F_CHAIN_RUN, h->run) &&
	       BSON_APPEND_INT64(&sub, F_CHAIN_SEQ, (int64_t)h->seq) &&
	       BSON_APPEND_BINARY(&sub, F_CHAIN_PREV, BSON_SUBTYPE_BINARY,
	                          h->dg, DIGEST_LEN) &&
	       bson_append_document_end(b, &sub);
}

/* Everything of the link but its dg. */
static bool
build_link(const struct chain *c, bson_t *out)
{
	char id[CHAIN_RUN_MAX + 24];

	snprintf(id, sizeof(id), "%s:%" PRIu64, c->run, c->seq);
	return BSON_APPEND_UTF8(out, F_ID, id) &&
	       BSON_APPEND_UTF8(out, F_HOST, c->host) &&
	       BSON_APPEND_UTF8(out, F_CHAIN_RUN, c->run) &&
	       BSON_APPEND_INT64(out, F_CHAIN_SEQ, (int64_t)c->seq) &&
	       (c->seq == 0
	            ? BSON_APPEND_NULL(out, F_CHAIN_PREV)
	            : BSON_APPEND_BINARY(out, F_CHAIN_PREV, BSON_SUBTYPE_BINARY,
	                                 c->prev, DIGEST_LEN)) &&
	       (c->seq != 0 || c->prev_run.run[0] == '\0' ||
	        append_head(out, F_CHAIN_PREV_RUN, &c->prev_run)) &&
	       BSON_APPEND_DATE_TIME(out, F_CHAIN_FROM, c->from_ns / 1000000) &&
	       BSON_APPEND_DATE_TIME(out, F_CHAIN_TO, c->to_ns / 1000000) &&
	       BSON_APPEND_INT64(out, F_CHAIN_FROM_NS, c->from_ns) &&
	       BSON_APPEND_INT64(out, F_CHAIN_TO_NS, c->to_ns) &&
	       BSON_APPEND_INT32(out, F_CHAIN_N, (int32_t)c->n) &&
	       BSON_APPEND_BINARY(out, F_CHAIN_ENTS, BSON_SUBTYPE_BINARY,
	                          c->ents, (uint32_t)c->ents_len);
}

int
chain_seal(struct chain *c, bson_t *out)
{
	unsigned char d[DIGEST_LEN];

	if (c->n == 0)
		return 0;
	bson_init(out);
	if (!build_link(c, out) || digest_doc(c->key, out, d) != 0 ||
	    !BSON_APPEND_BINARY(out, DIGEST_FIELD, BSON_SUBTYPE_BINARY, d,
	                        DIGEST_LEN)) {
		log_warn("chain: link %" PRIu64 " could not be built", c->seq);
		bson_destroy(out);
		return -1;
	}
	memcpy(c->prev, d, DIGEST_LEN);
	c->seq++;
	c->links++;
	c->n = 0;
	c->ents_len = 0;
	return 1;
}

bool
chain_head(const struct chain *c, struct chain_head *out)
{
	if (c->seq == 0)
		return false;
	copy_cut(out->run, sizeof(out->run), c->run);
	out->seq = c->seq - 1;
	memcpy(out->dg, c->prev, DIGEST_LEN);
	return true;
}

int
chain_head_save(const struct chain_head *h, const char *path)
{
	char tmp[4096], line[CHAIN_RUN_MAX + 128];
	FILE *f;
	int rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		log_warn("chain head: path too long: %s", path);
		return -1;
	}
	chain_head_format(h, line, sizeof(line));
	f = fopen(tmp, "we");
	if (f == NULL) {
		log_warn("chain head %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (fprintf(f, "%s\n", line) < 0 || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -1;
	if (rc != 0)
		log_warn("chain head %s: %s", path, strerror(errno));
	return rc;
}

int
chain_head_load(struct chain_head *h, const char *path)
{
	char line[CHAIN_RUN_MAX + 128];
	size_t n;
	FILE *f;

	f = fopen(path, "re");
	if (f == NULL) {
		if (errno == ENOENT)
			return 1;
		log_warn("chain head %s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(line, 1, sizeof(line) - 1, f);
	if (fclose(f) != 0 || chain_head_parse(line, n, h) != 0) {
		log_warn("chain head %s: malformed", path);
		return -1;
	}
	return 0;
}
