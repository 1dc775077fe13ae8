/* procconn.c - the proc connector (docs kernel-interfaces.md 2): one
 * NETLINK_CONNECTOR socket bound to CN_IDX_PROC, decoded into struct
 * procconn_event for the process table. Messages are 76 bytes: nlmsghdr 16 |
 * cn_msg 20 | proc_event (what @36, cpu @40, timestamp_ns @44 unaligned,
 * event_data @52). Debian 12's headers predate the 8-byte proc_input
 * (Linux 6.6), so it is declared here. */
#include "procconn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "log.h"
#include "nlrecv.h"

#define OP_LISTEN 1u /* PROC_CN_MCAST_LISTEN */
#define OP_IGNORE 2u /* PROC_CN_MCAST_IGNORE */

#define W_NONE 0x0u
#define W_FORK 0x1u
#define W_EXEC 0x2u
#define W_COMM 0x200u
#define W_EXIT 0x80000000u
#define PROCCONN_MASK (W_FORK | W_EXEC | W_COMM | W_EXIT)

/* Offsets from the start of the netlink message. */
#define OFF_CN 16u
#define OFF_CN_SEQ (OFF_CN + 8u)
#define OFF_CN_ACK (OFF_CN + 12u)
#define OFF_CN_LEN (OFF_CN + 16u)
#define OFF_EV 36u
#define EV_HDR 16u /* what, cpu, timestamp_ns */
#define OFF_DATA (OFF_EV + EV_HDR)

#define ACK_WAIT_MS 500

struct godo_proc_input { /* struct proc_input, Linux >= 6.6 */
	uint32_t mcast_op;
	uint32_t event_type;
};

#define PROCCONN_BATCH 64
#define PROCCONN_MSG_SIZE 1024 /* one proc event: ~100 bytes */

struct procconn {
	int fd;
	bool filtered; /* the kernel took the 8-byte subscription */
	bool resync;
	uint32_t nonce;
	struct procconn_counters c;
	union {
		struct nlmsghdr nh;
		char b[8192];
	} buf;             /* the subscription handshake */
	struct nlrecv *rx; /* PROCCONN_BATCH datagrams per recvmmsg */
};

static uint32_t
rd32(const unsigned char *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

int
procconn_decode(const void *buf, size_t len, struct procconn_event *ev)
{
	const unsigned char *p = buf;
	uint32_t nlen, what, cnlen;
	uint16_t len16;
	uint64_t ts;
	size_t need;

	memset(ev, 0, sizeof(*ev));
	if (len < OFF_EV)
		return -1;
	nlen = rd32(p, 0);
	if (nlen < OFF_EV || nlen > len)
		return -1;
	if (rd32(p, OFF_CN) != CN_IDX_PROC ||
	    rd32(p, OFF_CN + 4) != CN_VAL_PROC)
		return -1;
	memcpy(&len16, p + OFF_CN_LEN, sizeof(len16));
	cnlen = len16;
	if (cnlen > nlen - OFF_EV || cnlen < EV_HDR)
		return -1;
	ev->seq = rd32(p, OFF_CN_SEQ);
	ev->ack = rd32(p, OFF_CN_ACK);
	what = rd32(p, OFF_EV);
	ev->raw_what = what;
	ev->cpu = rd32(p, OFF_EV + 4);
	memcpy(&ts, p + OFF_EV + 8, sizeof(ts));
	ev->ts_ns = ts;
	switch (what) {
	case W_NONE:
		need = 4;
		break;
	case W_FORK:
		need = 16;
		break;
	case W_EXEC:
		need = 8;
		break;
	case W_COMM:
		need = 8 + 16;
		break;
	case W_EXIT:
		need = 24;
		break;
	default:
		ev->what = PROCCONN_OTHER;
		need = 8; /* every other event starts with pid, tgid */
		break;
	}
	if (cnlen - EV_HDR < need)
		return -1;
	switch (what) {
	case W_NONE:
		ev->what = PROCCONN_ACK;
		ev->err = rd32(p, OFF_DATA);
		break;
	case W_FORK:
		ev->what = PROCCONN_FORK;
		ev->ppid = (int32_t)rd32(p, OFF_DATA);
		ev->ptgid = (int32_t)rd32(p, OFF_DATA + 4);
		ev->pid = (int32_t)rd32(p, OFF_DATA + 8);
		ev->tgid = (int32_t)rd32(p, OFF_DATA + 12);
		break;
	case W_EXEC:
		ev->what = PROCCONN_EXEC;
		ev->pid = (int32_t)rd32(p, OFF_DATA);
		ev->tgid = (int32_t)rd32(p, OFF_DATA + 4);
		break;
	case W_COMM:
		ev->what = PROCCONN_COMM;
		ev->pid = (int32_t)rd32(p, OFF_DATA);
		ev->tgid = (int32_t)rd32(p, OFF_DATA + 4);
		memcpy(ev->comm, p + OFF_DATA + 8, 16);
		ev->comm[16] = '\0';
		break;
	case W_EXIT:
		ev->what = PROCCONN_EXIT;
		ev->pid = (int32_t)rd32(p, OFF_DATA);
		ev->tgid = (int32_t)rd32(p, OFF_DATA + 4);
		ev->exit_code = rd32(p, OFF_DATA + 8);
		ev->exit_signal = rd32(p, OFF_DATA + 12);
		ev->ppid = (int32_t)rd32(p, OFF_DATA + 16);
		ev->ptgid = (int32_t)rd32(p, OFF_DATA + 20);
		break;
	default:
		ev->pid = (int32_t)rd32(p, OFF_DATA);
		ev->tgid = (int32_t)rd32(p, OFF_DATA + 4);
		break;
	}
	return 0;
}

/* Sends a control request: 4-byte op, or 8-byte proc_input when wide. */
static int
send_op(struct procconn *c, uint32_t op, bool wide, uint32_t mask)
{
	union {
		struct nlmsghdr nh;
		char b[NLMSG_SPACE(sizeof(struct cn_msg) +
		                   sizeof(struct godo_proc_input))];
	} u;
	struct godo_proc_input in = {op, mask};
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct cn_msg *cm;
	size_t plen = wide ? sizeof(in) : sizeof(op);

	memset(&u, 0, sizeof(u));
	u.nh.nlmsg_len = NLMSG_LENGTH(sizeof(*cm) + plen);
	u.nh.nlmsg_type = NLMSG_DONE;
	u.nh.nlmsg_pid = 0;
	cm = NLMSG_DATA(&u.nh);
	cm->id.idx = CN_IDX_PROC;
	cm->id.val = CN_VAL_PROC;
	cm->seq = c->nonce;
	cm->ack = c->nonce;
	cm->len = (uint16_t)plen;
	memcpy(cm->data, &in, plen);
	if (sendto(c->fd, &u, u.nh.nlmsg_len, 0, (struct sockaddr *)&sa,
	           sizeof(sa)) < 0) {
		log_warn("conn: send subscription op %u", op);
		return -1;
	}
	return 0;
}

/* *left: milliseconds until t0 + ms on CLOCK_MONOTONIC (<= 0: passed). */
static int
ms_left(const struct timespec *t0, int ms, long *left)
{
	struct timespec t;

	if (clock_gettime(CLOCK_MONOTONIC, &t) < 0) {
		log_warn("conn: clock_gettime");
		return -1;
	}
	*left = ms - ((t.tv_sec - t0->tv_sec) * 1000 +
	              (t.tv_nsec - t0->tv_nsec) / 1000000);
	return 0;
}

/* Waits for the kernel's ACK to our request: ack = our ack + 1 (its seq
 * is the kernel's per-CPU counter, verified on 6.18).
 * Other events read meanwhile are dropped (resync starts set). Returns 1
 * on ACK, 0 on timeout, -1 on error. */
static int
wait_ack(struct procconn *c, int ms)
{
	struct procconn_event ev;
	struct timespec t0;
	struct nlmsghdr *nh;
	ssize_t n;
	size_t len;
	long left;

	if (clock_gettime(CLOCK_MONOTONIC, &t0) < 0) {
		log_warn("conn: clock_gettime");
		return -1;
	}
	for (;;) {
		if (ms_left(&t0, ms, &left) < 0)
			return -1;
		if (left <= 0)
			return 0;
		n = nlrecv_wait(c->fd, c->buf.b, sizeof(c->buf.b), (int)left,
		                "conn");
		if (n <= 0)
			return (int)n;
		len = (size_t)n;
		for (nh = &c->buf.nh; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (procconn_decode(nh, nh->nlmsg_len, &ev) < 0)
				continue;
			if (ev.what == PROCCONN_ACK && ev.ack == c->nonce + 1) {
				c->c.acks++;
				if (ev.err != 0)
					log_warnx("conn: subscription "
					          "error %u",
					          ev.err);
				return ev.err == 0 ? 1 : -1;
			}
		}
	}
}

static int
subscribe(struct procconn *c)
{
	int rc;

	/* 8-byte, unfiltered (event_type 0 = all): a 6.6+ kernel ACKs it;
	 * 6.1 ignores requests that are not 4 bytes. */
	if (send_op(c, OP_LISTEN, true, 0) < 0)
		return -1;
	rc = wait_ack(c, ACK_WAIT_MS);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		/* Narrow it; an update of an existing listener, no ACK. */
		if (send_op(c, OP_LISTEN, true, PROCCONN_MASK) < 0)
			return -1;
		c->filtered = true;
		log_debug("conn: filtered subscription (8-byte proc_input): "
		          "fork, exec, exit and comm events only");
		return 0;
	}
	log_info("conn: kernel ignored the 8-byte subscription; 4-byte "
	         "PROC_CN_MCAST_LISTEN");
	c->nonce++;
	if (send_op(c, OP_LISTEN, false, 0) < 0)
		return -1;
	rc = wait_ack(c, ACK_WAIT_MS);
	if (rc < 0)
		return -1;
	if (rc == 0)
		log_warnx("conn: no ACK for PROC_CN_MCAST_LISTEN; going on");
	return 0;
}

/* Frees c, however far procconn_open got. A close error on a socket
 * loses nothing: not checked. errno is kept for the caller. */
static void
destroy(struct procconn *c)
{
	int e = errno;

	if (c->fd >= 0)
		(void)close(c->fd);
	nlrecv_free(c->rx);
	free(c);
	errno = e;
}

struct procconn *
procconn_open(size_t rcvbuf)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct timespec ts;
	struct procconn *c;
	int v, fl;

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	c->fd = -1;
	c->rx = nlrecv_new("conn", PROCCONN_BATCH, PROCCONN_MSG_SIZE);
	if (c->rx == NULL)
		goto bad;
	c->fd =
	    socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (c->fd < 0) {
		log_warn("conn: socket");
		goto bad;
	}
	sa.nl_groups = CN_IDX_PROC;
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_warn("conn: bind CN_IDX_PROC");
		goto bad;
	}
	if (rcvbuf == 0)
		rcvbuf = PROCCONN_RCVBUF;
	v = rcvbuf > INT32_MAX / 2 ? INT32_MAX / 2 : (int)rcvbuf;
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
		log_warn("conn: SO_RCVBUFFORCE %d", v);
	/* The nonce only tells our ACK from others': without a clock the
	 * pid alone will do. */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		ts.tv_nsec = 0;
	c->nonce = (uint32_t)getpid() ^ (uint32_t)ts.tv_nsec;
	if (subscribe(c) < 0)
		goto bad;
	fl = fcntl(c->fd, F_GETFL);
	if (fl < 0 || fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		log_warn("conn: O_NONBLOCK");
		goto bad;
	}
	c->resync = true;
	return c;
bad:
	destroy(c);
	return NULL;
}

/* What one procconn_read call carries through the per-datagram callback. */
struct read_pass {
	struct procconn *c;
	procconn_event_fn *fn;
	void *arg;
	ssize_t events;
};

/* The messages of one datagram: events to the callback, ACKs counted. */
static void
procconn_datagram(const struct nlrecv_msg *m, void *arg)
{
	struct read_pass *rp = arg;
	struct procconn *c = rp->c;
	const struct nlmsghdr *nh = (const struct nlmsghdr *)(const void *)m->b;
	struct procconn_event ev;
	size_t len = m->n;

	if (!m->from_kernel) {
		c->c.bad_sender++;
		return;
	}
	for (; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
		if (procconn_decode(nh, nh->nlmsg_len, &ev) < 0) {
			c->c.malformed++;
			continue;
		}
		if (ev.what == PROCCONN_ACK) {
			c->c.acks++;
			continue;
		}
		c->c.events++;
		rp->events++;
		rp->fn(&ev, rp->arg);
	}
}

ssize_t
procconn_read(struct procconn *c, procconn_event_fn *fn, void *arg,
              unsigned int budget)
{
	struct read_pass rp = {c, fn, arg, 0};
	uint64_t overruns = 0;
	ssize_t n;

	n = nlrecv_read(c->rx, c->fd, budget, procconn_datagram, &rp,
	                &overruns);
	if (overruns > 0) {
		/* docs 2.3: an unknown number of events is gone */
		c->c.overruns += overruns;
		c->resync = true;
	}
	return n < 0 ? -1 : rp.events;
}

const struct procconn_counters *
procconn_counters(const struct procconn *c)
{
	return &c->c;
}

bool
procconn_resync_take(struct procconn *c)
{
	bool r = c->resync;

	c->resync = false;
	return r;
}

int
procconn_fd(const struct procconn *c)
{
	return c->fd;
}

void
procconn_close(struct procconn *c)
{
	if (c == NULL)
		return;
	c->nonce++;
	/* Best effort: without CAP_NET_ADMIN (priv.h) this fails, logged, and
	 * only leaves the kernel's listener count one too high. */
	(void)send_op(c, OP_IGNORE, c->filtered, 0);
	destroy(c);
}
