/* reasm.c - see reasm.h. Open events live in slots; a chained hash on the
 * serial finds them (serials of concurrent events are close together and
 * arrive out of order, so "the last serial" is not enough); a doubly linked
 * list in order of last touch gives both the age-out order and the victim
 * when the table is full. A second chained hash counts the open events of
 * each owner (pid) for the share. Everything is an index into arrays
 * allocated in reasm_new(), except each open event's record bytes and
 * record array: allocated when the event opens, doubled as it grows (up to
 * slot_bytes / rec_max), freed when it is emitted, the sum of them within
 * the byte cap (reasm_set_cap). An event that outgrows its slot keeps its
 * first records (the head: up to 3/4 of the slot) and a FIFO of its most
 * recent ones (the tail: the last 1/4); the records in between are
 * dropped and counted. */
#include "reasm.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define NIL UINT32_MAX
#define REC_MIN 16
#define REC_MAX 256
#define FIRST_BYTES 2048 /* a SYSCALL, CWD, two PATHs, PROCTITLE */
#define FIRST_RECS 8
#define TAIL_DIV 4 /* the tail: 1/TAIL_DIV of the slot */

struct slot {
	uint64_t serial;
	uint64_t last_ms;    /* now_ms of the last record */
	uint32_t hnext;      /* hash chain */
	uint32_t prev, next; /* touch order when open; free list when not */
	uint32_t nrec;
	uint32_t pid;      /* owner: pid= of the first record, 0: none */
	uint32_t owner;    /* its entry in owner[], NIL when not capped */
	size_t used;       /* bytes of data[] in use */
	size_t cap;        /* bytes of data[] allocated, <= slot_bytes */
	uint32_t rcap;     /* entries of rec[] allocated, <= rec_max */
	uint32_t head_n;   /* in tail mode: records of the head */
	size_t head_bytes; /* in tail mode: their bytes */
	uint32_t dropped;  /* records dropped from this event */
	bool open;
	bool truncated;
	bool tail;          /* the head is full: new records go to the tail */
	struct record *rec; /* rcap entries, NULL when not open */
	char *data;         /* cap bytes, NULL when not open */
};

/* Open events of one pid; free entries are chained through hnext. */
struct owner {
	uint32_t pid;
	uint32_t count;
	uint32_t hnext;
};

struct reasm {
	struct slot *slot;
	struct owner *owner; /* nslots entries: at most one per open event */
	uint32_t *obucket;   /* bucket_mask + 1 chains of owner[] */
	uint32_t owner_free;
	unsigned int share;
	unsigned int nslots;
	uint32_t *bucket;
	uint32_t bucket_mask;
	uint32_t head, tail; /* least / most recently touched open slot */
	uint32_t free_head;
	size_t slot_bytes;
	unsigned int rec_max;
	uint64_t age_ms;
	reasm_emit_fn *emit;
	void *arg;
	struct reasm_stats st;
};

/* A bucket for a serial or a pid (both tables have bucket_mask + 1). */
static uint32_t
hash_key(const struct reasm *r, uint64_t key)
{
	/* Fibonacci hashing: consecutive keys spread over the buckets. */
	return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & r->bucket_mask;
}

struct reasm *
reasm_new(unsigned int slots, size_t slot_bytes, uint64_t age_ms,
          reasm_emit_fn *emit, void *arg)
{
	struct reasm *r;
	unsigned int i, nb;
	size_t rec_max;

	if (slots < 1 || slots > (1u << 20) || slot_bytes < 1024 ||
	    slot_bytes > (64u << 20) || emit == NULL) {
		log_warnx("reasm: %u slots of %zu bytes out of range", slots,
		          slot_bytes);
		return NULL;
	}
	rec_max = slot_bytes / 256;
	if (rec_max < REC_MIN)
		rec_max = REC_MIN;
	if (rec_max > REC_MAX)
		rec_max = REC_MAX;
	for (nb = 16; nb < 2 * slots; nb *= 2)
		;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		log_warn("reasm: calloc");
		return NULL;
	}
	r->slot = calloc(slots, sizeof(*r->slot));
	r->owner = calloc(slots, sizeof(*r->owner));
	r->bucket = malloc(nb * sizeof(*r->bucket));
	r->obucket = malloc(nb * sizeof(*r->obucket));
	if (r->slot == NULL || r->owner == NULL || r->bucket == NULL ||
	    r->obucket == NULL) {
		log_warnx("reasm: out of memory for %u slots", slots);
		reasm_free(r);
		return NULL;
	}
	r->nslots = slots;
	r->bucket_mask = nb - 1;
	r->slot_bytes = slot_bytes;
	r->rec_max = (unsigned int)rec_max;
	r->age_ms = age_ms;
	r->emit = emit;
	r->arg = arg;
	r->share = slots / REASM_SHARE_DIV > 0 ? slots / REASM_SHARE_DIV : 1;
	r->st.share = r->share;
	/* Without reasm_set_cap: every slot may fill (the old bound). */
	r->st.bytes_cap =
	    (uint64_t)slots * (slot_bytes + rec_max * sizeof(struct record));
	r->head = r->tail = NIL;
	for (i = 0; i < nb; i++)
		r->bucket[i] = r->obucket[i] = NIL;
	for (i = 0; i < slots; i++) {
		r->slot[i].next = i + 1 < slots ? i + 1 : NIL;
		r->slot[i].hnext = NIL;
		r->slot[i].owner = NIL;
		r->owner[i].hnext = i + 1 < slots ? i + 1 : NIL;
	}
	r->free_head = 0;
	r->owner_free = 0;
	return r;
}

int
reasm_set_share(struct reasm *r, unsigned int share)
{
	if (share < 1 || share > r->nslots) {
		log_warnx("reasm: share %u out of range 1..%u", share,
		          r->nslots);
		return -1;
	}
	r->share = share;
	r->st.share = share;
	return 0;
}

int
reasm_set_cap(struct reasm *r, uint64_t bytes)
{
	uint64_t one =
	    r->slot_bytes + (uint64_t)r->rec_max * sizeof(struct record);

	if (bytes < one) {
		log_warnx("reasm: cap %" PRIu64 " below one full slot (%" PRIu64
		          " bytes)",
		          bytes, one);
		return -1;
	}
	r->st.bytes_cap = bytes;
	return 0;
}

/* The slots' buffers, the four arrays of reasm_new, then the table; NULL
 * is ignored. */
void
reasm_free(struct reasm *r)
{
	void *blocks[4];
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; r->slot != NULL && i < r->nslots; i++) {
		free(r->slot[i].data);
		free(r->slot[i].rec);
	}
	blocks[0] = r->bucket;
	blocks[1] = r->slot;
	blocks[2] = r->obucket;
	blocks[3] = r->owner;
	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
		free(blocks[i]);
	free(r);
}

/* Bytes slot s holds allocated. */
static size_t
slot_bytes_held(const struct slot *s)
{
	return s->cap + (size_t)s->rcap * sizeof(struct record);
}

/* Gives slot s's buffers back (the event left the table). */
static void
slot_release(struct reasm *r, struct slot *s)
{
	r->st.bytes -= slot_bytes_held(s);
	free(s->data);
	free(s->rec);
	s->data = NULL;
	s->rec = NULL;
	s->cap = 0;
	s->rcap = 0;
}

static uint32_t
lookup(const struct reasm *r, uint64_t serial)
{
	uint32_t i = r->bucket[hash_key(r, serial)];

	while (i != NIL && r->slot[i].serial != serial)
		i = r->slot[i].hnext;
	return i;
}

static void
list_unlink(struct reasm *r, uint32_t i)
{
	struct slot *s = &r->slot[i];

	if (s->prev != NIL)
		r->slot[s->prev].next = s->next;
	else
		r->head = s->next;
	if (s->next != NIL)
		r->slot[s->next].prev = s->prev;
	else
		r->tail = s->prev;
	s->prev = s->next = NIL;
}

static void
list_append(struct reasm *r, uint32_t i)
{
	struct slot *s = &r->slot[i];

	s->prev = r->tail;
	s->next = NIL;
	if (r->tail != NIL)
		r->slot[r->tail].next = i;
	else
		r->head = i;
	r->tail = i;
}

static void
hash_remove(struct reasm *r, uint32_t i)
{
	uint32_t *pp = &r->bucket[hash_key(r, r->slot[i].serial)];

	while (*pp != NIL && *pp != i)
		pp = &r->slot[*pp].hnext;
	if (*pp == i)
		*pp = r->slot[i].hnext;
	r->slot[i].hnext = NIL;
}

static uint32_t
owner_find(const struct reasm *r, uint32_t pid)
{
	uint32_t o = r->obucket[hash_key(r, pid)];

	while (o != NIL && r->owner[o].pid != pid)
		o = r->owner[o].hnext;
	return o;
}

/* Counts one more open event for pid. Never fails: there are as many
 * entries as slots, and every entry in use holds an open event. */
static uint32_t
owner_take(struct reasm *r, uint32_t pid)
{
	uint32_t o = owner_find(r, pid), b;

	if (o == NIL) {
		o = r->owner_free;
		r->owner_free = r->owner[o].hnext;
		b = hash_key(r, pid);
		r->owner[o].pid = pid;
		r->owner[o].count = 0;
		r->owner[o].hnext = r->obucket[b];
		r->obucket[b] = o;
	}
	r->owner[o].count++;
	return o;
}

static void
owner_drop(struct reasm *r, uint32_t o)
{
	uint32_t *pp;

	if (o == NIL || --r->owner[o].count > 0)
		return;
	pp = &r->obucket[hash_key(r, r->owner[o].pid)];
	while (*pp != o)
		pp = &r->owner[*pp].hnext;
	*pp = r->owner[o].hnext;
	r->owner[o].hnext = r->owner_free;
	r->owner_free = o;
}

/* The open event of owner o with the oldest serial. */
static uint32_t
owner_oldest(const struct reasm *r, uint32_t o)
{
	uint32_t i, best = NIL;

	for (i = r->head; i != NIL; i = r->slot[i].next)
		if (r->slot[i].owner == o &&
		    (best == NIL || reasm_serial_before(r->slot[i].serial,
		                                        r->slot[best].serial)))
			best = i;
	return best;
}

/* The counter of each partial end, indexed by enum reasm_end. */
static uint64_t *
end_counter(struct reasm *r, enum reasm_end end)
{
	switch (end) {
	case REASM_END_AGED:
		return &r->st.aged;
	case REASM_END_FLOOD:
		return &r->st.flood;
	case REASM_END_FULL:
		return &r->st.evicted;
	case REASM_END_FLUSH:
		return &r->st.flushed;
	default:
		return NULL;
	}
}

/* Types the kernel also logs outside a syscall event, where no EOE
 * follows: CONFIG_CHANGE (auditctl, godo's own rules), TTY,
 * NETFILTER_CFG, SECCOMP, FEATURE_CHANGE, BPF, EVENT_LISTENER. */
static bool
alone_type(uint16_t type)
{
	switch (type) {
	case 1305:
	case 1319:
	case 1325:
	case 1326:
	case 1328:
	case 1334:
	case 1335:
		return true;
	default:
		return false;
	}
}

/* Whether slot s holds only records that may stand alone: no SYSCALL
 * came (it would precede the syscall's other records), none of the
 * records that exist only inside a syscall event. */
static bool
all_alone(const struct slot *s)
{
	uint32_t j;

	for (j = 0; j < s->nrec; j++)
		if (!alone_type(s->rec[j].type))
			return false;
	return s->nrec > 0;
}

/* Emits slot i and returns it to the free list. */
static void
finish(struct reasm *r, uint32_t i, enum reasm_end end)
{
	struct slot *s = &r->slot[i];
	struct reasm_event ev;
	uint64_t *cause;

	if ((end == REASM_END_AGED || end == REASM_END_FLUSH) &&
	    !s->truncated && all_alone(s)) {
		end = REASM_END_ALONE;
		r->st.alone++;
	}
	cause = end_counter(r, end);

	ev.serial = s->serial;
	ev.rec = s->rec;
	ev.nrec = s->nrec;
	ev.partial = cause != NULL;
	ev.truncated = s->truncated;
	ev.end = end;
	ev.owner = s->pid;
	ev.dropped = s->dropped;
	r->st.events++;
	if (cause != NULL) {
		r->st.partial++;
		(*cause)++;
	}
	r->emit(&ev, r->arg);
	hash_remove(r, i);
	list_unlink(r, i);
	owner_drop(r, s->owner);
	s->owner = NIL;
	s->pid = 0;
	s->open = false;
	s->nrec = 0;
	s->used = 0;
	s->truncated = false;
	s->tail = false;
	s->head_n = 0;
	s->head_bytes = 0;
	s->dropped = 0;
	slot_release(r, s);
	s->next = r->free_head;
	r->free_head = i;
	r->st.open--;
}

/* pid= of a record, 0 when it has none (or a bad one). */
static uint32_t
record_pid(const struct record *rec)
{
	struct str v;
	uint64_t pid;

	if (!record_find(rec, "pid", &v) || record_u64(v, 10, &pid) != 0 ||
	    pid > UINT32_MAX)
		return 0;
	return (uint32_t)pid;
}

/* A slot for a new event of pid: first the owner's share (its own oldest
 * event goes), then the table (the least recently touched goes). */
static uint32_t
open_slot(struct reasm *r, uint64_t serial, uint32_t pid)
{
	bool capped = pid != 0 && r->share < r->nslots;
	uint32_t i, b, o = capped ? owner_find(r, pid) : NIL;

	if (o != NIL && r->owner[o].count >= r->share)
		finish(r, owner_oldest(r, o), REASM_END_FLOOD);
	if (r->free_head == NIL)
		finish(r, r->head, REASM_END_FULL);
	i = r->free_head;
	r->free_head = r->slot[i].next;
	r->slot[i].serial = serial;
	r->slot[i].open = true;
	r->slot[i].pid = pid;
	r->slot[i].owner = capped ? owner_take(r, pid) : NIL;
	b = hash_key(r, serial);
	r->slot[i].hnext = r->bucket[b];
	r->bucket[b] = i;
	list_append(r, i);
	if (++r->st.open > r->st.open_max)
		r->st.open_max = r->st.open;
	return i;
}

/* The next size of a buffer of have units that must hold need: doubled
 * from first, at most max (need <= max). */
static size_t
grown(size_t have, size_t need, size_t first, size_t max)
{
	size_t n = have > 0 ? have : first;

	while (n < need)
		n *= 2;
	return n < max ? n : max;
}

/* Makes room in the byte cap for more bytes for slot i: the least recently
 * touched other events are emitted (as when the table is full). False when
 * i alone is left and it still does not fit. */
static bool
cap_room(struct reasm *r, uint32_t i, size_t more)
{
	while (r->st.bytes + more > r->st.bytes_cap) {
		if (r->head == i && r->slot[i].next == NIL)
			return false;
		finish(r, r->head != i ? r->head : r->slot[i].next,
		       REASM_END_FULL);
	}
	return true;
}

/* Grows slot i to hold one more record of len bytes (within slot_bytes and
 * rec_max, checked by the caller). The new data buffer is filled before
 * the old is freed, so the records are rebased by offset. -1 (not logged:
 * counted by the caller) when the cap or malloc refuses. */
static int
slot_grow(struct reasm *r, uint32_t i, size_t len)
{
	struct slot *s = &r->slot[i];
	size_t cap = s->cap, rcap = s->rcap, more;
	uint32_t k;

	if (s->used + len > cap)
		cap = grown(cap, s->used + len, FIRST_BYTES, r->slot_bytes);
	if (s->nrec + 1 > rcap)
		rcap = grown(rcap, s->nrec + 1, FIRST_RECS, r->rec_max);
	more = cap - s->cap + (rcap - s->rcap) * sizeof(struct record);
	if (more == 0)
		return 0;
	if (!cap_room(r, i, more))
		return -1;
	if (rcap != s->rcap) {
		struct record *rec = realloc(s->rec, rcap * sizeof(*rec));

		if (rec == NULL)
			return -1;
		r->st.bytes += (rcap - s->rcap) * sizeof(*rec);
		s->rec = rec;
		s->rcap = (uint32_t)rcap;
	}
	if (cap != s->cap) {
		char *data = malloc(cap);

		if (data == NULL)
			return -1;
		if (s->used > 0)
			memcpy(data, s->data, s->used);
		for (k = 0; k < s->nrec; k++) {
			s->rec[k].body.p = data + (s->rec[k].body.p - s->data);
			s->rec[k].payload.p =
			    data + (s->rec[k].payload.p - s->data);
		}
		free(s->data);
		r->st.bytes += cap - s->cap;
		s->data = data;
		s->cap = cap;
	}
	if (r->st.bytes > r->st.bytes_high)
		r->st.bytes_high = r->st.bytes;
	return 0;
}

/* Counts one record of slot s dropped. */
static void
slot_drop(struct reasm *r, struct slot *s)
{
	s->truncated = true;
	s->dropped++;
	r->st.oversize++;
}

/* Drops the oldest record of the tail: the bytes after it move down. */
static void
tail_pop(struct reasm *r, struct slot *s)
{
	size_t n = s->rec[s->head_n].payload.n;
	char *at = s->data + s->head_bytes;
	uint32_t k;

	memmove(at, at + n, s->used - s->head_bytes - n);
	for (k = s->head_n + 1; k < s->nrec; k++) {
		s->rec[k].body.p -= n;
		s->rec[k].payload.p -= n;
		s->rec[k - 1] = s->rec[k];
	}
	s->nrec--;
	s->used -= n;
	slot_drop(r, s);
}

/* Room in slot i for a record of len bytes: in the head while it has room,
 * else in the tail after its oldest records are dropped. False (the record
 * is the one dropped) when it is longer than the tail. */
static bool
slot_room(struct reasm *r, uint32_t i, size_t len)
{
	struct slot *s = &r->slot[i];
	size_t tail_bytes = r->slot_bytes / TAIL_DIV;
	uint32_t tail_recs = r->rec_max / TAIL_DIV;

	if (!s->tail && len <= r->slot_bytes - tail_bytes - s->used &&
	    s->nrec < r->rec_max - tail_recs)
		return true;
	if (!s->tail) {
		s->tail = true;
		s->head_n = s->nrec;
		s->head_bytes = s->used;
	}
	if (len > tail_bytes)
		return false;
	while (s->nrec > s->head_n &&
	       (s->used - s->head_bytes + len > tail_bytes ||
	        s->nrec - s->head_n >= tail_recs))
		tail_pop(r, s);
	return true;
}

int
reasm_add(struct reasm *r, uint16_t type, const char *payload, size_t len,
          uint64_t now_ms)
{
	struct record rec;
	struct slot *s;
	uint32_t i;
	char *dst;

	if (type == RECORD_REPLACE)
		return 0;
	if (record_parse(&rec, type, payload, len) != 0) {
		r->st.bad++;
		return -1;
	}
	r->st.records++;
	if (type < 1300 || type > 1399) {
		struct reasm_event ev = {
		    rec.serial,       &rec, 1, false, false, REASM_END_SINGLE,
		    record_pid(&rec), 0};

		r->st.events++;
		r->emit(&ev, r->arg);
		return 0;
	}
	i = lookup(r, rec.serial);
	if (type == RECORD_EOE) {
		if (i == NIL)
			r->st.orphan_eoe++;
		else
			finish(r, i, REASM_END_EOE);
		return 0;
	}
	if (i == NIL)
		i = open_slot(r, rec.serial, record_pid(&rec));
	else if (r->tail != i) {
		list_unlink(r, i);
		list_append(r, i);
	}
	s = &r->slot[i];
	s->last_ms = now_ms;
	if (!slot_room(r, i, len) || slot_grow(r, i, len) != 0) {
		slot_drop(r, s);
		return -1;
	}
	dst = s->data + s->used;
	memcpy(dst, payload, len);
	/* Same parse, rebased onto the copy. */
	rec.body.p = dst + (rec.body.p - payload);
	rec.payload.p = dst;
	s->rec[s->nrec++] = rec;
	s->used += len;
	return 0;
}

void
reasm_tick(struct reasm *r, uint64_t now_ms)
{
	while (r->head != NIL) {
		const struct slot *s = &r->slot[r->head];

		if (now_ms < s->last_ms || now_ms - s->last_ms < r->age_ms)
			break;
		finish(r, r->head, REASM_END_AGED);
	}
}

void
reasm_flush(struct reasm *r)
{
	while (r->head != NIL)
		finish(r, r->head, REASM_END_FLUSH);
}

void
reasm_stats(const struct reasm *r, struct reasm_stats *st)
{
	*st = r->st;
}
