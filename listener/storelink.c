/* storelink.c - see storelink.h. */
#include "storelink.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "spool.h"
#include "util.h"
#include "writer.h"

struct pend {
	uint64_t seq, nops;
	uint8_t *buf;
	size_t len;
};

struct storelink {
	struct writer_cfg cfg;
	int fd;
	pid_t pid;
	uint64_t seq;
	struct pend ring[STORELINK_RING];
	size_t head, n, ring_bytes;
	size_t ring_high; /* the most ring_bytes held (logged at close) */
	char spool[4096], replay[4200];
	uint64_t spool_max;
	bool spooling;    /* the spool holds operations not handed over */
	bool replay_sent; /* <spool>.replay is with the writer */
	uint64_t replay_seq;
	struct frame_hello hello;
	struct store_stats wst; /* the writer's, from its last ack */
	uint64_t spooled_ops, lost_ops, spool_bytes, bad_frames, restarts;
	uint64_t next_start_ms;
	struct frame_counts fc;
};

static int
start_writer(struct storelink *l)
{
	if (writer_spawn(&l->cfg, &l->fd, &l->pid) != 0)
		return -1;
	return 0;
}

/* One frame from the writer. -1: malformed (counted). */
static int
on_frame(struct storelink *l, const uint8_t *buf, size_t n)
{
	struct frame_hdr h;
	const uint8_t *p;

	if (frame_accept(&l->fc, buf, n, sizeof(l->wst), &h, &p) != 0) {
		l->bad_frames++;
		return -1;
	}
	if (h.type == FRAME_HELLO) {
		memcpy(&l->hello, p, sizeof(l->hello));
		return 0;
	}
	if (h.type != FRAME_ACK) {
		l->bad_frames++;
		return -1;
	}
	memcpy(&l->wst, p, sizeof(l->wst));
	while (l->n > 0 && l->ring[l->head].seq <= h.seq) {
		struct pend *e = &l->ring[l->head];

		l->ring_bytes -= e->len;
		free(e->buf);
		e->buf = NULL;
		l->head = (l->head + 1) % STORELINK_RING;
		l->n--;
	}
	if (l->replay_sent && h.seq >= l->replay_seq) {
		if (unlink(l->replay) != 0 && errno != ENOENT)
			log_warn("storelink: unlink %s", l->replay);
		l->replay_sent = false;
	}
	return 0;
}

/* Reads what the writer said; -1 when it hung up. */
static int
read_frames(struct storelink *l)
{
	static uint8_t buf[sizeof(struct frame_hdr) + 4096];

	if (l->fd < 0)
		return -1;
	for (;;) {
		ssize_t r = recv(l->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (r <= 0)
			return -1;
		(void)on_frame(l, buf, (size_t)r); /* counted */
	}
}

static int
spool_out(struct storelink *l, const uint8_t *buf, size_t len, uint64_t nops)
{
	if (len == 0)
		return 0;
	if (l->spool[0] == '\0' || l->spool_bytes + len > l->spool_max) {
		l->lost_ops += nops;
		log_warnx("storelink: spool full or unset: %" PRIu64
		          " operations lost",
		          nops);
		return -1;
	}
	if (spool_append(l->spool, buf, len) != 0) {
		l->lost_ops += nops;
		return -1;
	}
	l->spool_bytes += len;
	l->spooled_ops += nops;
	l->spooling = true;
	return 0;
}

/* The oldest unacknowledged batches, those with seq < below, put ahead
 * of what path holds (written to path.new, then renamed over it). */
static void
prepend_ring(struct storelink *l, const char *path, uint64_t below)
{
	char tmp[4300];
	uint64_t nops = 0;
	int in;

	if (l->n == 0 || l->ring[l->head].seq >= below)
		return;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	(void)unlink(tmp);
	while (l->n > 0 && l->ring[l->head].seq < below) {
		struct pend *e = &l->ring[l->head];

		if (spool_append(tmp, e->buf, e->len) != 0)
			l->lost_ops += e->nops; /* logged */
		else
			nops += e->nops;
		l->spool_bytes += e->len;
		l->ring_bytes -= e->len;
		free(e->buf);
		e->buf = NULL;
		l->head = (l->head + 1) % STORELINK_RING;
		l->n--;
	}
	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in >= 0) {
		static uint8_t chunk[65536];
		ssize_t r;

		while ((r = read(in, chunk, sizeof(chunk))) > 0)
			if (spool_append(tmp, chunk, (size_t)r) != 0)
				break; /* logged */
		close(in);
	}
	if (rename(tmp, path) != 0)
		log_warn("storelink: rename %s", tmp);
	l->spooled_ops += nops;
	log_warnx("storelink: %" PRIu64 " unacknowledged operations spooled",
	          nops);
}

/* A dead writer's unacknowledged batches, in their place: those sent
 * before the spool file it was replaying ahead of that file, the others
 * ahead of the spool. */
static void
respool_ring(struct storelink *l)
{
	if (l->replay_sent)
		prepend_ring(l, l->replay, l->replay_seq);
	if (l->n > 0) {
		prepend_ring(l, l->spool, UINT64_MAX);
		l->spooling = true;
	}
}

/* The writer hung up (it died, or finished at close): its socket is
 * closed, what it did not acknowledge is spooled, a new one is due in a
 * second. Not our child (the monitor's, writer.h): nothing to reap. */
static void
writer_gone(struct storelink *l, uint64_t now_ms)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	if (l->pid > 0)
		log_warnx("storelink: writer %d gone", (int)l->pid);
	l->pid = -1;
	respool_ring(l);
	l->replay_sent = false; /* the file stays: the next writer's */
	l->next_start_ms = now_ms + 1000;
}

static void
check_writer(struct storelink *l, uint64_t now_ms)
{
	if (l->pid > 0 && read_frames(l) != 0)
		writer_gone(l, now_ms);
	if (l->pid < 0 && now_ms >= l->next_start_ms) {
		l->restarts++;
		if (start_writer(l) != 0)
			l->next_start_ms = now_ms + 1000; /* logged */
		else
			log_info("storelink: writer restarted (pid %d)",
			         (int)l->pid);
	}
}

/* Sends one frame without waiting: 0 sent, 1 would block, -1 error. */
static int
send_frame(struct storelink *l, enum frame_type t, uint64_t seq,
           const uint8_t *buf, size_t len, int pass_fd)
{
	struct frame_hdr h;

	if (frame_hdr_init(&h, t, seq, len) != 0)
		return -1;
	if (frame_send(l->fd, &h, sizeof(h), buf, len, pass_fd, MSG_DONTWAIT) >=
	    0)
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ||
	    errno == EMSGSIZE)
		return 1;
	return -1;
}

/* One batch of whole envelopes (<= FRAME_MAX bytes) to the writer, kept
 * until acknowledged. 0 sent, 1 not now. */
static int
send_batch(struct storelink *l, const uint8_t *buf, size_t len, uint64_t nops)
{
	struct pend *e;
	int rc;

	if (l->fd < 0 || l->spooling || l->n == STORELINK_RING ||
	    l->ring_bytes + len > STORELINK_RING_BYTES)
		return 1;
	rc = send_frame(l, FRAME_BATCH, l->seq + 1, buf, len, -1);
	if (rc != 0)
		return 1;
	l->seq++;
	e = &l->ring[(l->head + l->n) % STORELINK_RING];
	e->buf = malloc(len);
	if (e->buf == NULL) { /* sent: only a death could lose it now */
		log_warnx("storelink: out of memory keeping a batch");
		return 0;
	}
	memcpy(e->buf, buf, len);
	e->len = len;
	e->seq = l->seq;
	e->nops = nops;
	l->ring_bytes += len;
	if (l->ring_bytes > l->ring_high)
		l->ring_high = l->ring_bytes;
	l->n++;
	return 0;
}

static size_t
count_docs(const uint8_t *buf, size_t len)
{
	size_t off = 0, n = 0;

	while (off + 4 <= len) {
		uint32_t d;

		memcpy(&d, buf + off, 4);
		if (d < 5 || d > len - off)
			break;
		off += d;
		n++;
	}
	return n;
}

/* The spool to the writer, when it has none in hand. */
static void
hand_over(struct storelink *l)
{
	struct stat st;
	int fd;

	if (l->fd < 0 || l->replay_sent || l->spool[0] == '\0')
		return;
	if (stat(l->replay, &st) != 0) {
		if (!l->spooling || stat(l->spool, &st) != 0) {
			l->spooling = false;
			return;
		}
		if (rename(l->spool, l->replay) != 0) {
			log_warn("storelink: rename %s", l->spool);
			return;
		}
		l->spooling = false;
		l->spool_bytes = 0;
	}
	fd = open(l->replay, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_warn("storelink: open %s", l->replay);
		return;
	}
	if (send_frame(l, FRAME_REPLAY, l->seq + 1, NULL, 0, fd) == 0) {
		l->seq++;
		l->replay_seq = l->seq;
		l->replay_sent = true;
	} else {
		l->spooling = true; /* nothing new may pass the file */
	}
	close(fd);
}

int
storelink_send(struct storelink *l, const uint8_t *env, size_t len,
               uint64_t nops, uint64_t now_ms)
{
	size_t off = 0;
	int rc = 0;

	(void)nops;
	check_writer(l, now_ms);
	hand_over(l);
	while (off < len) {
		size_t end = off, k;

		/* whole envelopes, at most FRAME_MAX bytes (at least one) */
		while (end < len) {
			uint32_t d;

			memcpy(&d, env + end, 4);
			if (end > off && end - off + d > FRAME_MAX)
				break;
			end += d;
		}
		k = count_docs(env + off, end - off);
		if (end - off > FRAME_MAX ||
		    send_batch(l, env + off, end - off, k) != 0) {
			/* from here on, in order, through the spool */
			(void)spool_out(l, env + off, len - off,
			                count_docs(env + off, len - off));
			rc = -1; /* spooled or lost: counted */
			break;
		}
		off = end;
	}
	return rc;
}

int
storelink_set_spool(struct storelink *l, const char *path, uint64_t max_bytes)
{
	struct stat st;

	util_strlcpy(l->spool, path, sizeof(l->spool));
	snprintf(l->replay, sizeof(l->replay), "%s.replay", path);
	l->spool_max = max_bytes;
	if (stat(path, &st) == 0 && st.st_size > 0) {
		l->spooling = true;
		l->spool_bytes = (uint64_t)st.st_size;
		log_info("storelink: %lld bytes spooled earlier will be "
		         "replayed",
		         (long long)st.st_size);
	}
	if (stat(l->replay, &st) == 0)
		l->spooling = true; /* an earlier run's, first */
	return 0;
}

struct storelink *
storelink_start(const struct storelink_opts *o, char *err, size_t errlen)
{
	struct storelink *l = calloc(1, sizeof(*l));
	uint64_t end = util_now_ms() + 15000;

	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->fd = -1;
	l->pid = -1;
	l->hello.found = -3; /* none yet */
	if (writer_cfg_init(&l->cfg, o, err, errlen) != 0 ||
	    writer_cfg_start(&l->cfg) != 0 || start_writer(l) != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "cannot start the writer");
		free(l);
		return NULL;
	}
	while (l->hello.found == -3 && util_now_ms() < end) {
		struct pollfd p = {.fd = l->fd, .events = POLLIN};

		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			break;
		if (read_frames(l) != 0)
			break;
	}
	if (l->hello.found <= -2) {
		char why[sizeof(l->hello.why)];

		if (l->hello.found == -2)
			snprintf(err, errlen, "writer: %s",
			         frame_hello_why(&l->hello, why, sizeof(why)));
		else
			snprintf(err, errlen, "the writer did not start");
		writer_gone(l, 0);
		writer_cfg_free(&l->cfg);
		free(l);
		return NULL;
	}
	log_info("storelink: writer pid %d as uid %u", (int)l->pid,
	         (unsigned)l->cfg.uid);
	return l;
}

bool
storelink_updates_scan(const struct storelink *l)
{
	return l->hello.updates_scan != 0;
}

int
storelink_last_run(const struct storelink *l, int64_t *last_ns)
{
	if (l->hello.found == 1)
		*last_ns = l->hello.last_run_ns;
	return l->hello.found;
}

void
storelink_stats(const struct storelink *l, struct store_stats *out)
{
	out->flushes = l->wst.flushes;
	out->failed_ops = l->wst.failed_ops + l->bad_frames;
	out->dup_inserts = l->wst.dup_inserts;
	out->spooled_ops = l->spooled_ops + l->wst.spooled_ops;
	out->replayed_ops = l->wst.replayed_ops;
	out->lost_ops = l->lost_ops + l->wst.lost_ops;
	out->spool_bytes = l->spool_bytes + l->wst.spool_bytes;
	out->outages = l->wst.outages + l->restarts;
	out->down = l->wst.down || l->pid < 0;
	out->last_flush_us = l->wst.last_flush_us;
	out->max_flush_us = l->wst.max_flush_us;
}

int
storelink_writer_pid(const struct storelink *l)
{
	return l->pid;
}

void
storelink_close(struct storelink *l)
{
	uint64_t end = util_now_ms() + 15000;

	hand_over(l);
	if (l->fd >= 0 && shutdown(l->fd, SHUT_WR) != 0)
		log_warn("storelink: shutdown");
	while (l->pid > 0 && util_now_ms() < end) {
		struct pollfd p = {.fd = l->fd, .events = POLLIN};

		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			break;
		if (read_frames(l) != 0)
			break; /* the writer closed: it is done */
	}
	writer_gone(l, 0); /* spools what was not acknowledged */
	log_info("storelink: at most %zu bytes unacknowledged (bound %u)",
	         l->ring_high, STORELINK_RING_BYTES);
	writer_cfg_free(&l->cfg);
	free(l);
}
