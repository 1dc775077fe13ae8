/* argvdec.c - see argvdec.h. EXECVE field formats: kernel-interfaces.md
 * 1.6 (aN, aN_len + aN[i] chunks, quoted or hex). Every value is hostile:
 * indexes out of order, missing chunks and over-long values are flagged
 * (args_truncated), never trusted. */
#include "argvdec.h"

#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "log.h"
#include "schema.h"
#include "util.h"

#define PROCTITLE_MAX 128 /* [K] kernel/auditsc.c MAX_PROCTITLE_AUDIT_LEN */
#define ARGV_CAP (sizeof(((struct sysevent *)0)->argv) / sizeof(struct str))
/* one value decoded: the kernel's records are at most 8970 bytes, an
 * event's records together at most reasm's slot (64 KiB); a longer value
 * (built by hand) is cut and flagged */
#define VALUE_MAX (64 * 1024)

struct argvdec {
	char args[ARGS_MAX_BYTES]; /* argv heads, contiguous per argument */
	size_t args_used;
	char tails[SYSEV_ARGCUT_MAX][ARGVDEC_TAIL_BYTES];
	char value[VALUE_MAX]; /* the value being appended, decoded */
	/* the argument being assembled */
	bool open;                     /* an argument is begun */
	bool slot;                     /* it has an argv entry */
	bool cut;                      /* its head stopped at the cap */
	uint64_t len;                  /* its bytes so far */
	char ring[ARGVDEC_TAIL_BYTES]; /* its last bytes past the head */
	uint64_t ringed;               /* bytes pushed into ring */
	/* the EXECVE records */
	bool seen, have_argc, chunking;
	bool lost; /* records or bytes missing: the digest would not be of
	            * the argv the kernel logged */
	bool gap;  /* chunks of this argument are missing */
	bool hex;  /* its chunks are hex (aN_len counts hex digits) */
	uint64_t declared; /* its aN_len */
	uint64_t argc, next, chunk_next, enc_len, enc_got;
	struct digest_ctx md;
	bool md_ok; /* md started: an EXECVE record was seen */
};

struct argvdec *
argvdec_new(void)
{
	struct argvdec *a = calloc(1, sizeof(*a));

	if (a == NULL) {
		log_warn("argvdec: scratch space");
		return NULL;
	}
	return a;
}

void
argvdec_free(struct argvdec *a)
{
	if (a == NULL)
		return;
	free(a);
}

void
argvdec_begin(struct argvdec *a)
{
	a->args_used = 0;
	a->open = a->slot = a->cut = false;
	a->seen = a->have_argc = a->chunking = a->lost = false;
	a->argc = a->next = a->chunk_next = a->enc_len = a->enc_got = 0;
	a->md_ok = false;
}

static void
hash_put(struct argvdec *a, const void *p, size_t n)
{
	if (a->md_ok)
		digest_update(&a->md, p, n);
}

/* The tail of the argument being closed: ring's bytes in order. */
static void
keep_tail(struct argvdec *a, struct sysevent *e)
{
	struct sysev_argcut *c;
	size_t n, start;
	char *t;

	if (e->ncut >= SYSEV_ARGCUT_MAX) {
		e->ncut_lost++;
		return;
	}
	t = a->tails[e->ncut];
	n = a->ringed < ARGVDEC_TAIL_BYTES ? (size_t)a->ringed
	                                   : ARGVDEC_TAIL_BYTES;
	start = (size_t)(a->ringed % ARGVDEC_TAIL_BYTES);
	if (a->ringed <= ARGVDEC_TAIL_BYTES) {
		memcpy(t, a->ring, n);
	} else {
		memcpy(t, a->ring + start, ARGVDEC_TAIL_BYTES - start);
		memcpy(t + ARGVDEC_TAIL_BYTES - start, a->ring, start);
	}
	c = &e->cut[e->ncut++];
	c->index = e->argc - 1;
	c->length = a->len;
	if (a->gap) /* what the kernel declared */
		c->length = a->hex ? a->declared / 2 : a->declared;
	c->tail = (struct str){t, n};
}

/* Ends the argument being assembled: its NUL in the digest, its tail when
 * it was cut. */
static void
arg_close(struct argvdec *a, struct sysevent *e)
{
	if (!a->open)
		return;
	hash_put(a, "", 1);
	if (a->cut && a->slot)
		keep_tail(a, e);
	a->open = false;
}

/* Starts argument argv[e->argc] at the current end of the args area;
 * past ARGV_CAP arguments it has no entry (only the digest sees it). */
static void
arg_begin(struct argvdec *a, struct sysevent *e)
{
	arg_close(a, e);
	a->open = true;
	a->cut = a->gap = a->hex = false;
	a->len = 0;
	a->ringed = 0;
	a->slot = e->argc < ARGV_CAP;
	if (!a->slot) {
		e->args_truncated = true;
		return;
	}
	e->argv[e->argc].p = a->args + a->args_used;
	e->argv[e->argc].n = 0;
	e->argc++;
}

static void
ring_push(struct argvdec *a, const char *p, size_t n)
{
	size_t at, k;

	if (n > ARGVDEC_TAIL_BYTES) { /* only the last bytes can stay */
		a->ringed += n - ARGVDEC_TAIL_BYTES;
		p += n - ARGVDEC_TAIL_BYTES;
		n = ARGVDEC_TAIL_BYTES;
	}
	while (n > 0) {
		at = (size_t)(a->ringed % ARGVDEC_TAIL_BYTES);
		k = ARGVDEC_TAIL_BYTES - at < n ? ARGVDEC_TAIL_BYTES - at : n;
		memcpy(a->ring + at, p, k);
		a->ringed += k;
		p += k;
		n -= k;
	}
}

/* Appends decoded v to the argument being assembled: into its head while
 * the area has room, past that into its tail. */
static void
arg_append(struct argvdec *a, struct sysevent *e, struct str v)
{
	size_t room = sizeof(a->args) - a->args_used, k;
	bool cut = false;
	ssize_t n;

	n = record_value_copy(v, a->value, sizeof(a->value), &cut);
	if (cut) {
		e->args_truncated = true; /* a value longer than a record */
		a->lost = true;
	}
	if (n <= 0 || !a->open)
		return;
	hash_put(a, a->value, (size_t)n);
	a->len += (uint64_t)n;
	if (!a->slot)
		return;
	k = a->cut ? 0 : ((size_t)n < room ? (size_t)n : room);
	memcpy(a->args + a->args_used, a->value, k);
	e->argv[e->argc - 1].n += k;
	a->args_used += k;
	if (k < (size_t)n) {
		a->cut = true;
		e->args_truncated = true;
		ring_push(a, a->value + k, (size_t)n - k);
	}
}

/* Chunk records of the argument are missing (reasm kept the event's
 * first and last records): what follows is the argument's end, not the
 * continuation of its head; its length is the declared one. */
static void
chunk_gap(struct argvdec *a, struct sysevent *e)
{
	e->args_truncated = true;
	a->lost = true;
	a->cut = true;
	a->gap = true;
}

static void
chunk_end(struct argvdec *a, struct sysevent *e)
{
	if (!a->chunking)
		return;
	if (a->enc_got != a->enc_len) {
		e->args_truncated = true; /* a chunk record is missing */
		a->lost = true;
	}
	a->chunking = false;
	a->next++;
}

enum argkey { AK_NONE, AK_ARG, AK_LEN, AK_CHUNK };

/* "aN", "aN_len", "aN[i]". */
static enum argkey
arg_key(struct str k, uint64_t *idx, uint64_t *chunk)
{
	size_t i = 1, j;
	struct str num;

	if (k.n < 2 || k.p[0] != 'a')
		return AK_NONE;
	while (i < k.n && k.p[i] >= '0' && k.p[i] <= '9')
		i++;
	num.p = k.p + 1;
	num.n = i - 1;
	if (num.n == 0 || num.n > 9 ||
	    util_parse_u64(num, 10, 0, UINT64_MAX, idx) != 0)
		return AK_NONE;
	if (i == k.n)
		return AK_ARG;
	if (k.n - i == 4 && memcmp(k.p + i, "_len", 4) == 0)
		return AK_LEN;
	if (k.p[i] != '[' || k.p[k.n - 1] != ']')
		return AK_NONE;
	j = i + 1;
	num.p = k.p + j;
	num.n = k.n - 1 - j;
	if (num.n == 0 || num.n > 9 ||
	    util_parse_u64(num, 10, 0, UINT64_MAX, chunk) != 0)
		return AK_NONE;
	return AK_CHUNK;
}

static void
first_record(struct argvdec *a)
{
	a->seen = true;
	digest_init(&a->md, NULL);
	a->md_ok = true;
}

void
argvdec_execve(struct argvdec *a, const struct record *rec, struct sysevent *e)
{
	struct record_iter it;
	struct str k, v;
	uint64_t idx, chunk, u;

	if (!a->seen)
		first_record(a);
	record_iter_init(&it, rec);
	while (record_iter_next(&it, &k, &v)) {
		if (STR_IS(k, "argc")) {
			if (util_parse_u64(v, 10, 0, UINT32_MAX, &u) == 0) {
				a->argc = u;
				a->have_argc = true;
			}
			continue;
		}
		switch (arg_key(k, &idx, &chunk)) {
		case AK_ARG:
			chunk_end(a, e);
			if (idx != a->next) {
				e->args_truncated = true;
				a->lost = true;
				break;
			}
			a->next++;
			arg_begin(a, e);
			arg_append(a, e, v);
			break;
		case AK_LEN:
			chunk_end(a, e);
			if (idx != a->next ||
			    util_parse_u64(v, 10, 0, UINT32_MAX, &u) != 0) {
				e->args_truncated = true;
				a->lost = true;
				break;
			}
			a->chunking = true;
			a->chunk_next = 0;
			a->enc_len = u;
			a->enc_got = 0;
			arg_begin(a, e);
			a->declared = u;
			break;
		case AK_CHUNK:
			/* a jump past missing chunks only after chunk 0:
			 * reasm keeps an event's first records */
			if (!a->chunking || idx != a->next ||
			    chunk < a->chunk_next ||
			    (chunk > a->chunk_next && a->chunk_next == 0)) {
				e->args_truncated = true;
				a->lost = true;
				break;
			}
			if (chunk > a->chunk_next)
				chunk_gap(a, e);
			if (chunk == 0)
				a->hex = !(v.n > 1 && v.p[0] == '"');
			a->chunk_next = chunk + 1;
			/* quoted chunks count their text, hex ones hex */
			a->enc_got += v.n > 1 && v.p[0] == '"' ? v.n - 2 : v.n;
			arg_append(a, e, v);
			if (a->enc_got >= a->enc_len)
				chunk_end(a, e);
			break;
		case AK_NONE:
			break;
		}
	}
}

/* argv from PROCTITLE: the first bytes of /proc/PID/cmdline, NUL between
 * arguments (1.7). */
static void
from_proctitle(struct argvdec *a, const struct record *rec, struct sysevent *e)
{
	char *p, *end, *nul;
	struct str v;
	bool cut = false;
	ssize_t n;

	if (!record_find(rec, "proctitle", &v))
		return;
	p = a->args;
	n = record_value_copy(v, p, sizeof(a->args), &cut);
	if (n <= 0)
		return;
	a->args_used = (size_t)n;
	e->args_from_proctitle = true;
	if (cut || n >= PROCTITLE_MAX)
		e->args_truncated = true;
	end = p + n;
	while (p < end && e->argc < ARGV_CAP) {
		nul = memchr(p, '\0', (size_t)(end - p));
		e->argv[e->argc].p = p;
		e->argv[e->argc].n = (size_t)((nul != NULL ? nul : end) - p);
		e->argc++;
		p = nul != NULL ? nul + 1 : end;
	}
}

/* The digest as 64 lowercase hex digits into e->args_sha256. */
static void
hash_end(struct argvdec *a, struct sysevent *e)
{
	unsigned char md[DIGEST_LEN];

	_Static_assert(sizeof(e->args_sha256) == 2 * DIGEST_LEN + 1,
	               "args_sha256 holds a digest in hex");
	if (!a->md_ok)
		return;
	digest_final(&a->md, md);
	a->md_ok = false;
	digest_hex(md, e->args_sha256);
	e->has_args_sha256 = true;
}

void
argvdec_end(struct argvdec *a, const struct record *proctitle,
            struct sysevent *e)
{
	if (!a->seen) {
		if (proctitle != NULL)
			from_proctitle(a, proctitle, e);
		e->args_none = !e->args_from_proctitle;
		return;
	}
	chunk_end(a, e);
	arg_close(a, e);
	if (!a->have_argc || a->next != a->argc) {
		e->args_truncated = true;
		a->lost = true;
	}
	/* a digest of what arrived would look like the argv's */
	if (!a->lost && !e->partial)
		hash_end(a, e);
}
