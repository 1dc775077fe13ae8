/* auditsock.c - audit netlink for godo: registration as the audit daemon,
 * kernel settings saved and restored, records read with a budget into one
 * receive buffer per source and handed to a callback (main feeds them to
 * the record tokenizer and reasm), and the kernel status polled for the lost
 * counter. Traps followed here (docs kernel-interfaces.md): unicast records
 * carry nlmsg_len = payload length, so the payload is recv bytes - 16 (1.2);
 * audit_set_pid(WAIT_YES) eats a record, so WAIT_NO (5.1); libaudit's
 * check_ack peeks, so rules/status/settings go over a separate control
 * socket and the event socket only sends AUDIT_SET pid (5.1). Status
 * requests are sent raw without NLM_F_ACK so that no ACK has to be waited
 * for in the loop. */
#include "auditsock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include <libaudit.h>

#include "log.h"
#include "nlrecv.h"

#define CTL_READ_MAX 64 /* replies handled per auditsock_status_read */
#define CTL_BATCH 4

struct auditsock {
	int ctl, ev;
	bool registered;
	bool set_enabled, set_backlog, set_wait; /* what to restore */
	bool warned_enobufs;
	struct auditsock_status prev; /* the kernel state found at open */
	struct auditsock_status last; /* the last status reply */
	bool have_last;
	uint32_t self; /* the pid registered */
	struct auditsock_counters c;
	uint32_t seq;
	struct nlrecv *ev_rx;  /* AUDITSOCK_BATCH records per recvmmsg */
	struct nlrecv *ctl_rx; /* status replies */
};

/* What one auditsock_read / auditsock_status_read call carries through the
 * per-datagram callbacks. */
struct read_pass {
	struct auditsock *s;
	auditsock_record_fn *fn; /* NULL on the control socket */
	void *arg;
	ssize_t records;
	uint32_t lost;
};

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* struct audit_status from a reply payload; the kernel's struct may be
 * longer or shorter than the installed header's (feature_bitmap and later
 * fields are optional here). */
static int
status_decode(const void *p, size_t n, struct auditsock_status *st)
{
	struct audit_status as;

	if (n < offsetof(struct audit_status, backlog) + sizeof(as.backlog))
		return -1;
	memset(&as, 0, sizeof(as));
	memcpy(&as, p, n < sizeof(as) ? n : sizeof(as));
	st->enabled = as.enabled;
	st->failure = as.failure;
	st->pid = as.pid;
	st->rate_limit = as.rate_limit;
	st->backlog_limit = as.backlog_limit;
	st->lost = as.lost;
	st->backlog = as.backlog;
	st->backlog_wait_time =
	    n >= offsetof(struct audit_status, backlog_wait_time) +
	                sizeof(as.backlog_wait_time)
	        ? as.backlog_wait_time
	        : 0;
	return 0;
}

/* AUDIT_GET without NLM_F_ACK: only the status reply comes back. */
static int
status_send(int fd, uint32_t seq)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct nlmsghdr nh = {
	    .nlmsg_len = NLMSG_LENGTH(0),
	    .nlmsg_type = AUDIT_GET,
	    .nlmsg_flags = NLM_F_REQUEST,
	    .nlmsg_seq = seq,
	};

	if (sendto(fd, &nh, nh.nlmsg_len, MSG_DONTWAIT, (struct sockaddr *)&sa,
	           sizeof(sa)) < 0) {
		log_warn("audit: send AUDIT_GET");
		return -1;
	}
	return 0;
}

int
auditsock_query_status(int fd, struct auditsock_status *st, int timeout_ms)
{
	union {
		struct nlmsghdr nh;
		char b[AUDITSOCK_BUF_SIZE];
	} u;
	struct nlmsgerr e;
	ssize_t n;

	if (status_send(fd, 0x60d0) < 0)
		return -1;
	for (;;) {
		n = nlrecv_wait(fd, &u, sizeof(u), timeout_ms, "audit");
		if (n == 0)
			log_warn("audit: no status within %d ms", timeout_ms);
		if (n <= 0)
			return -1;
		if ((size_t)n < NLMSG_HDRLEN)
			continue;
		if (u.nh.nlmsg_type == NLMSG_ERROR) {
			if ((size_t)n < NLMSG_HDRLEN + sizeof(e))
				continue;
			memcpy(&e, u.b + NLMSG_HDRLEN, sizeof(e));
			if (e.error != 0 && e.msg.nlmsg_type == AUDIT_GET) {
				errno = -e.error;
				log_warn("audit: AUDIT_GET");
				return -1;
			}
			continue;
		}
		if (u.nh.nlmsg_type == AUDIT_GET &&
		    status_decode(u.b + NLMSG_HDRLEN, (size_t)n - NLMSG_HDRLEN,
		                  st) == 0)
			return 0;
	}
}

/* Folds a status into the counters; returns the lost growth. */
static uint32_t
status_account(struct auditsock *s, const struct auditsock_status *st)
{
	uint32_t d;

	/* lost only grows unless someone resets it (auditctl --reset-lost);
	 * after a reset everything counted since is new. */
	d = st->lost >= s->c.lost_kernel ? st->lost - s->c.lost_kernel
	                                 : st->lost;
	s->c.lost += d;
	s->c.lost_kernel = st->lost;
	s->c.backlog = st->backlog;
	if (st->backlog > s->c.backlog_max)
		s->c.backlog_max = st->backlog;
	s->c.status_polls++;
	s->last = *st;
	s->have_last = true;
	if (st->enabled == 0)
		s->c.disabled_polls++;
	if (s->registered && st->pid != s->self)
		s->c.displaced_polls++;
	if (d > 0)
		log_warnx("audit: kernel lost %u records (total %u)", d,
		          st->lost);
	return d;
}

/* libaudit's setters of one kernel setting share this signature. */
typedef int setting_fn(int fd, uint32_t value);

/* Sets name=value on the control socket; -1, logged, when refused. */
static int
setting_put(int ctl, setting_fn *set, const char *name, uint32_t value)
{
	int rc = set(ctl, value);

	if (rc > 0)
		return 0;
	errno = rc < 0 ? -rc : EIO;
	log_warn("audit: set %s=%u", name, value);
	return -1;
}

/* Puts back what auditsock_open changed; used by auditsock_close and on
 * failure. Best effort: what cannot be put back is logged by setting_put,
 * and the rest is still tried. */
static void
restore(struct auditsock *s)
{
	int rc;

	(void)nlrecv_drain(s->ctl);
	if (s->set_wait)
		(void)setting_put(s->ctl, audit_set_backlog_wait_time,
		                  "backlog_wait_time",
		                  s->prev.backlog_wait_time);
	if (s->set_backlog)
		(void)setting_put(s->ctl, audit_set_backlog_limit,
		                  "backlog_limit", s->prev.backlog_limit);
	/* Disable before unregistering, so no record is printk'd between. */
	if (s->set_enabled)
		(void)setting_put(s->ctl, audit_set_enabled, "enabled",
		                  s->prev.enabled);
	s->set_wait = s->set_backlog = s->set_enabled = false;
	if (s->registered) {
		/* Any socket of the registered process may unregister. */
		rc = audit_set_pid(s->ctl, 0, WAIT_NO);
		if (rc <= 0)
			log_warnx("audit: unregister: %s", strerror(-rc));
		s->registered = false;
	}
}

/* Puts the kernel state back and frees s, however far auditsock_open got.
 * A close error on a socket loses nothing: not checked. errno is kept
 * for the caller. */
static void
destroy(struct auditsock *s)
{
	int e = errno;

	if (s->ctl >= 0)
		restore(s);
	if (s->ev >= 0)
		(void)close(s->ev);
	if (s->ctl >= 0)
		(void)close(s->ctl);
	nlrecv_free(s->ev_rx);
	nlrecv_free(s->ctl_rx);
	free(s);
	errno = e;
}

/* libaudit's ACK check peeks at the first queued message: on an event
 * socket with records queued, a refused AUDIT_SET looks accepted (docs
 * kernel-interfaces.md 5.1). The status tells. */
static bool
registered_is_self(struct auditsock *s)
{
	struct auditsock_status st;

	return auditsock_query_status(s->ctl, &st, 2000) == 0 &&
	       st.pid == (uint32_t)getpid();
}

/* AUDIT_SET pid from the event socket. Another registrant: a dead one is
 * noticed by the kernel when its AUDIT_REPLACE probe fails, so retry; a
 * live one is refused unless force, then it gets SIGTERM (SIGKILL after
 * 2 s) and we retry for up to 4 s. */
static int
do_register(struct auditsock *s, bool force)
{
	struct auditsock_status st;
	uint32_t other = 0;
	bool signalled = false, killed = false;
	int rc, tries;

	for (tries = 0; tries < 60; tries++) {
		rc = audit_set_pid(s->ev, (uint32_t)getpid(), WAIT_NO);
		if (rc > 0 && registered_is_self(s)) {
			s->registered = true;
			s->self = (uint32_t)getpid();
			return 0;
		}
		if (rc <= 0 && rc != -EEXIST) {
			errno = -rc;
			log_warn("audit: register as audit daemon");
			return -1;
		}
		if (auditsock_query_status(s->ctl, &st, 2000) < 0)
			return -1;
		other = st.pid;
		if (other != 0 && kill((pid_t)other, 0) == 0 && !force &&
		    tries >= 2) {
			log_warnx("audit: another audit daemon (pid %u) is "
			          "registered; stop it (e.g. systemctl stop "
			          "auditd) or use -force",
			          other);
			errno = EEXIST;
			return -1;
		}
		if (other != 0 && force && !signalled &&
		    kill((pid_t)other, 0) == 0) {
			log_warnx("audit: taking over from audit daemon pid "
			          "%u (SIGTERM)",
			          other);
			if (kill((pid_t)other, SIGTERM) < 0)
				log_warn("audit: kill %u", other);
			signalled = true;
		} else if (signalled && !killed && tries >= 20 && other != 0) {
			log_warnx("audit: pid %u still registered, SIGKILL",
			          other);
			if (kill((pid_t)other, SIGKILL) < 0)
				log_warn("audit: kill %u", other);
			killed = true;
		}
		if (!force && tries >= 10)
			break;
		sleep_ms(100);
	}
	log_warnx("audit: audit daemon pid %u stays registered", other);
	errno = EEXIST;
	return -1;
}

static int
apply_settings(struct auditsock *s, const struct auditsock_opts *o)
{
	uint32_t limit =
	    o->backlog_limit ? o->backlog_limit : AUDITSOCK_BACKLOG_LIMIT;

	(void)nlrecv_drain(s->ctl);
	if (s->prev.enabled != 1) {
		if (setting_put(s->ctl, audit_set_enabled, "enabled", 1) < 0)
			return -1;
		s->set_enabled = true;
	}
	if (s->prev.backlog_limit != limit) {
		if (setting_put(s->ctl, audit_set_backlog_limit,
		                "backlog_limit", limit) < 0)
			return -1;
		s->set_backlog = true;
	}
	if (o->set_wait_time &&
	    s->prev.backlog_wait_time != o->backlog_wait_time) {
		if (setting_put(s->ctl, audit_set_backlog_wait_time,
		                "backlog_wait_time", o->backlog_wait_time) < 0)
			return -1;
		s->set_wait = true;
	}
	return 0;
}

static void
event_socket_setup(struct auditsock *s, const struct auditsock_opts *o)
{
	uint64_t want = o->rcvbuf ? o->rcvbuf : AUDITSOCK_RCVBUF;
	int v = want > INT32_MAX / 2 ? INT32_MAX / 2 : (int)want;
	int fl;

	/* A failure only costs burst capacity: warn and go on. */
	if (setsockopt(s->ev, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
		log_warn("audit: SO_RCVBUFFORCE %d", v);
	fl = fcntl(s->ev, F_GETFL);
	if (fl < 0 || fcntl(s->ev, F_SETFL, fl | O_NONBLOCK) < 0)
		log_warn("audit: O_NONBLOCK");
}

/* Multicast and control-only: read beside the daemon, change nothing. */
static int
open_reader(struct auditsock *s, const struct auditsock_opts *o)
{
	/* bind, not NETLINK_ADD_MEMBERSHIP: an unbound socket has port id 0,
	 * the kernel's own, and the broadcast skips it */
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
	                         .nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1)};

	if (o->mode == AUDITSOCK_CONTROL)
		return 0;
	s->ev = audit_open();
	if (s->ev < 0) {
		log_warn("audit: open multicast socket");
		return -1;
	}
	if (bind(s->ev, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_warn("audit: join the read-only group (CAP_AUDIT_READ)");
		return -1;
	}
	event_socket_setup(s, o);
	return 0;
}

struct auditsock *
auditsock_open(const struct auditsock_opts *o)
{
	static const struct auditsock_opts defaults;
	struct auditsock *s;

	if (o == NULL)
		o = &defaults;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	s->ctl = s->ev = -1;
	s->ev_rx = nlrecv_new("audit", AUDITSOCK_BATCH, AUDITSOCK_BUF_SIZE);
	s->ctl_rx = nlrecv_new("audit", CTL_BATCH, AUDITSOCK_BUF_SIZE);
	if (s->ev_rx == NULL || s->ctl_rx == NULL)
		goto bad;
	s->ctl = audit_open();
	if (s->ctl < 0) {
		log_warn("audit: open control socket");
		goto bad;
	}
	if (auditsock_query_status(s->ctl, &s->prev, 2000) < 0)
		goto bad;
	s->c.lost_kernel = s->prev.lost;
	if (o->mode != AUDITSOCK_UNICAST) {
		if (open_reader(s, o) < 0)
			goto bad;
		return s;
	}
	s->ev = audit_open();
	if (s->ev < 0) {
		log_warn("audit: open event socket");
		goto bad;
	}
	if (s->prev.enabled == 2) {
		log_warnx("audit: configuration is locked (enabled=2) until "
		          "reboot");
		errno = EPERM;
		goto bad;
	}
	if (do_register(s, o->force) < 0)
		goto bad;
	if (apply_settings(s, o) < 0)
		goto bad;
	event_socket_setup(s, o);
	log_debug("audit: registered pid %ld; was enabled=%u pid=%u "
	          "backlog_limit=%u wait=%u lost=%u",
	          (long)getpid(), s->prev.enabled, s->prev.pid,
	          s->prev.backlog_limit, s->prev.backlog_wait_time,
	          s->prev.lost);
	return s;
bad:
	destroy(s);
	return NULL;
}

int
auditsock_fd(const struct auditsock *s)
{
	return s->ev;
}

int
auditsock_ctl_fd(const struct auditsock *s)
{
	return s->ctl;
}

const struct auditsock_status *
auditsock_found(const struct auditsock *s)
{
	return &s->prev;
}

const struct auditsock_counters *
auditsock_counters(const struct auditsock *s)
{
	return &s->c;
}

/* A non-record message on either socket. */
static void
other_message(struct auditsock *s, const struct nlmsghdr *nh, const char *p,
              size_t n, uint32_t *lost)
{
	struct auditsock_status st;
	struct nlmsgerr e;

	switch (nh->nlmsg_type) {
	case NLMSG_ERROR:
		if (n < sizeof(e)) {
			s->c.malformed++;
			return;
		}
		memcpy(&e, p, sizeof(e));
		if (e.error == 0) {
			s->c.acks++;
		} else {
			s->c.nl_errors++;
			log_warnx("audit: kernel error %d for request type %u",
			          e.error, e.msg.nlmsg_type);
		}
		return;
	case AUDIT_GET:
		s->c.replies++;
		if (status_decode(p, n, &st) < 0) {
			s->c.malformed++;
			return;
		}
		*lost += status_account(s, &st);
		return;
	default:
		s->c.replies++;
		return;
	}
}

/* The checks every datagram passes on both sockets: whole, from the
 * kernel, a consistent header. NULL (counted) when it fails one. Unicast
 * records carry nlmsg_len = payload length (docs 1.2), so the payload
 * length is taken from the datagram: *len. */
static const struct nlmsghdr *
datagram_check(struct auditsock *s, const struct nlrecv_msg *m, size_t *len)
{
	const struct nlmsghdr *nh = (const struct nlmsghdr *)(const void *)m->b;

	if (m->truncated) {
		s->c.oversize++;
		return NULL;
	}
	if (!m->from_kernel) {
		s->c.bad_sender++;
		return NULL;
	}
	if (m->n < NLMSG_HDRLEN || nh->nlmsg_len > (uint32_t)m->n) {
		s->c.malformed++;
		return NULL;
	}
	*len = m->n - NLMSG_HDRLEN;
	return nh;
}

/* A datagram on the event socket: a record goes to the callback; the rest
 * is counted (and a status reply folded in) by other_message. */
static void
event_datagram(const struct nlrecv_msg *m, void *arg)
{
	struct read_pass *rp = arg;
	struct auditsock *s = rp->s;
	const struct nlmsghdr *nh;
	const char *p;
	size_t len;

	nh = datagram_check(s, m, &len);
	if (nh == NULL)
		return;
	p = m->b + NLMSG_HDRLEN;
	if (nh->nlmsg_type < AUDIT_FIRST_USER_MSG) {
		other_message(s, nh, p, len, &rp->lost);
		return;
	}
	if (nh->nlmsg_type == AUDIT_REPLACE) {
		/* binary payload: a requester's pid */
		s->c.replace++;
		return;
	}
	while (len > 0 && p[len - 1] == '\0')
		len--;
	s->c.records++;
	rp->records++;
	rp->fn(nh->nlmsg_type, p, len, rp->arg);
}

/* A datagram on the control socket: replies only. */
static void
ctl_datagram(const struct nlrecv_msg *m, void *arg)
{
	struct read_pass *rp = arg;
	const struct nlmsghdr *nh;
	size_t len;

	nh = datagram_check(rp->s, m, &len);
	if (nh != NULL)
		other_message(rp->s, nh, m->b + NLMSG_HDRLEN, len, &rp->lost);
}

static void
enobufs_note(struct auditsock *s, uint64_t overruns)
{
	if (overruns == 0)
		return;
	s->c.enobufs += overruns;
	if (!s->warned_enobufs)
		log_warnx("audit: receive buffer overrun (ENOBUFS)");
	s->warned_enobufs = true;
}

ssize_t
auditsock_read(struct auditsock *s, auditsock_record_fn *fn, void *arg,
               unsigned int budget)
{
	struct read_pass rp = {s, fn, arg, 0, 0};
	uint64_t overruns = 0;
	ssize_t n;

	n = nlrecv_read(s->ev_rx, s->ev, budget, event_datagram, &rp,
	                &overruns);
	enobufs_note(s, overruns);
	return n < 0 ? -1 : rp.records;
}

int
auditsock_request_status(struct auditsock *s)
{
	return status_send(s->ctl, ++s->seq);
}

int64_t
auditsock_status_read(struct auditsock *s)
{
	struct read_pass rp = {s, NULL, NULL, 0, 0};
	uint64_t overruns = 0;

	if (nlrecv_read(s->ctl_rx, s->ctl, CTL_READ_MAX, ctl_datagram, &rp,
	                &overruns) < 0)
		return -1;
	enobufs_note(s, overruns);
	return rp.lost;
}

int
auditsock_status(struct auditsock *s, struct auditsock_status *st)
{
	if (auditsock_query_status(s->ctl, st, 2000) < 0)
		return -1;
	status_account(s, st);
	return 0;
}

void
auditsock_health_of(const struct auditsock_status *st, uint32_t self,
                    struct auditsock_health *h)
{
	h->known = true;
	h->enabled = st->enabled;
	h->pid = st->pid;
	h->disabled = st->enabled == 0;
	h->locked = st->enabled == 2;
	h->displaced = st->pid != self;
}

void
auditsock_health(const struct auditsock *s, struct auditsock_health *h)
{
	memset(h, 0, sizeof(*h));
	if (s->have_last)
		auditsock_health_of(&s->last, s->self, h);
}

int
auditsock_reenable(struct auditsock *s)
{
	if (!s->have_last || s->last.enabled == 1)
		return 0;
	if (s->last.enabled == 2) {
		log_warnx("audit: locked (enabled=2): cannot enable");
		errno = EPERM;
		return -1;
	}
	(void)nlrecv_drain(s->ctl);
	if (setting_put(s->ctl, audit_set_enabled, "enabled", 1) < 0)
		return -1;
	/* close puts back what was found at open */
	s->set_enabled = s->prev.enabled != 1;
	s->last.enabled = 1;
	s->c.reenabled++;
	log_warnx("audit: auditing was disabled; enabled again");
	return 0;
}

int
auditsock_reclaim(struct auditsock *s, bool force)
{
	s->registered = false;
	(void)nlrecv_drain(s->ctl);
	if (do_register(s, force) < 0)
		return -1;
	s->last.pid = s->self;
	s->c.reclaimed++;
	log_warnx("audit: registered again as the audit daemon");
	return 0;
}

void
auditsock_close(struct auditsock *s)
{
	if (s != NULL)
		destroy(s);
}
