/* prochelp.c - see prochelp.h: the messages and the recorder's side. */
#include "prochelp.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "log.h"
#include "procfs.h"

static const char *const ns_names[] = {
    "mnt",
    "net",
    "pid",
    "uts",
    "ipc",
    "user",
    "cgroup",
    "time",
    "pid_for_children",
    "time_for_children",
};
#define NS_COUNT (sizeof(ns_names) / sizeof(ns_names[0]))

const char *
prochelp_ns_name(uint32_t i)
{
	return i < NS_COUNT ? ns_names[i] : NULL;
}

/* A decimal int32 > = 0 from the start of s up to end or '/'; *rest
 * after it. -1 when there is none or it overflows. */
static int
parse_num(const char *s, int32_t *out, const char **rest)
{
	int64_t v = 0;
	const char *p = s;

	while (*p >= '0' && *p <= '9' && p - s < 10) {
		v = v * 10 + (*p - '0');
		p++;
	}
	if (p == s || v > INT32_MAX || (*p >= '0' && *p <= '9'))
		return -1;
	*out = (int32_t)v;
	*rest = p;
	return 0;
}

int
prochelp_what_parse(const char *what, struct prochelp_req *rq)
{
	const char *p = what;
	uint32_t i;

	rq->tid = 0;
	rq->fd = 0;
	rq->ns = 0;
	if (strncmp(p, "task/", 5) == 0) {
		if (parse_num(p + 5, &rq->tid, &p) != 0 || *p != '/' ||
		    rq->tid <= 0)
			return -1;
		p++;
	}
	if (strcmp(p, "exe") == 0)
		rq->link = PROCHELP_L_EXE;
	else if (strcmp(p, "cwd") == 0)
		rq->link = PROCHELP_L_CWD;
	else if (strcmp(p, "root") == 0)
		rq->link = PROCHELP_L_ROOT;
	else if (strncmp(p, "fd/", 3) == 0) {
		if (parse_num(p + 3, &rq->fd, &p) != 0 || *p != '\0')
			return -1;
		rq->link = PROCHELP_L_FD;
	} else if (strncmp(p, "ns/", 3) == 0) {
		for (i = 0; i < NS_COUNT; i++)
			if (strcmp(p + 3, ns_names[i]) == 0)
				break;
		if (i == NS_COUNT)
			return -1;
		rq->link = PROCHELP_L_NS;
		rq->ns = i;
	} else
		return -1;
	return 0;
}

int
prochelp_link_path(const struct prochelp_req *rq, char *buf, size_t cap)
{
	char task[24] = "";
	int n;

	if (rq->tid > 0)
		snprintf(task, sizeof(task), "task/%d/", (int)rq->tid);
	switch (rq->link) {
	case PROCHELP_L_EXE:
		n = snprintf(buf, cap, "%sexe", task);
		break;
	case PROCHELP_L_CWD:
		n = snprintf(buf, cap, "%scwd", task);
		break;
	case PROCHELP_L_ROOT:
		n = snprintf(buf, cap, "%sroot", task);
		break;
	case PROCHELP_L_FD:
		n = snprintf(buf, cap, "%sfd/%d", task, (int)rq->fd);
		break;
	case PROCHELP_L_NS:
		if (prochelp_ns_name(rq->ns) == NULL)
			return -1;
		n = snprintf(buf, cap, "%sns/%s", task,
		             prochelp_ns_name(rq->ns));
		break;
	default:
		return -1;
	}
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int
prochelp_req_check(const void *buf, size_t n, struct prochelp_req *rq)
{
	if (n != sizeof(*rq))
		return -1;
	memcpy(rq, buf, sizeof(*rq));
	if (rq->magic != PROCHELP_MAGIC || rq->pid <= 0 || rq->tid < 0)
		return -1;
	if (rq->kind == PROCHELP_ROOT)
		return rq->fd == 0 || rq->fd == 1 ? 0 : -1;
	if (rq->kind != PROCHELP_LINK || rq->link < PROCHELP_L_EXE ||
	    rq->link >= PROCHELP_L_END || rq->fd < 0 ||
	    (rq->link != PROCHELP_L_FD && rq->fd != 0) ||
	    (rq->link == PROCHELP_L_NS ? rq->ns >= NS_COUNT : rq->ns != 0))
		return -1;
	return 0;
}

/* Every field the kind does not use is zero; the text fits. */
static bool
rep_fields_ok(const struct prochelp_rep *rep, size_t n, int nfds)
{
	if (rep->err >= 4096)
		return false;
	switch (rep->kind) {
	case PROCHELP_HELLO:
		return n == PROCHELP_REP_HDR && rep->len == 0 && nfds == 0 &&
		       rep->pid > 0 && rep->err == 0;
	case PROCHELP_LINK:
		return rep->len <= PROCHELP_TEXT_MAX &&
		       n == PROCHELP_REP_HDR + rep->len && nfds == 0 &&
		       (rep->err == 0 ? rep->len > 0 : rep->len == 0);
	case PROCHELP_ROOT:
		return n == PROCHELP_REP_HDR && rep->len == 0 && nfds <= 1 &&
		       (rep->err == 0 || nfds == 0);
	default:
		return false;
	}
}

enum prochelp_verdict
prochelp_rep_check(const struct prochelp_rep *rep, size_t n, int nfds,
                   bool truncated, const struct prochelp_req *rq)
{
	if (truncated || n < PROCHELP_REP_HDR || rep->magic != PROCHELP_MAGIC ||
	    !rep_fields_ok(rep, n, nfds))
		return PROCHELP_V_MALFORMED;
	if (rep->kind == PROCHELP_HELLO)
		return PROCHELP_V_HELLO;
	if (rq == NULL || rep->seq != rq->seq)
		return PROCHELP_V_STALE;
	if (rep->kind != rq->kind || rep->pid != rq->pid)
		return PROCHELP_V_MALFORMED;
	/* a root answer with its descriptor exactly when one was asked */
	if (rep->kind == PROCHELP_ROOT && rep->err == 0 && nfds != rq->fd)
		return PROCHELP_V_MALFORMED;
	if (rep->err == 0 && rep->starttime != rq->starttime)
		return PROCHELP_V_REUSED;
	return PROCHELP_V_ANSWER;
}

/* ---- the recorder's side ---- */

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
prochelp_attach(struct prochelp *ph, int fd)
{
	memset(ph, 0, sizeof(*ph));
	ph->fd = fd;
	ph->deadline_ms = PROCHELP_DEADLINE_MS;
}

/* One message into ph->rep, waiting at most wait_ms for it. Its
 * descriptor, if any, in *fd (else -1; more than one arrive truncated).
 * Returns the byte count, 0 when nothing came, -1 when the socket closed
 * or failed (ph->lost set on EOF). */
static ssize_t
recv_one(struct prochelp *ph, int wait_ms, int *fd, int *nfds, bool *trunc)
{
	struct pollfd pf = {ph->fd, POLLIN, 0};
	ssize_t n;
	int r;

	*fd = -1;
	*nfds = 0;
	*trunc = false;
	r = poll(&pf, 1, wait_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -1;
	if (r == 0)
		return 0;
	n = frame_recv(ph->fd, &ph->rep, sizeof(ph->rep), fd, trunc,
	               MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN ? 0 : -1;
	if (n == 0) {
		ph->lost = true;
		return -1;
	}
	*nfds = *fd >= 0;
	return n;
}

static void
saw_hello(struct prochelp *ph)
{
	if (ph->hellos++ > 0) {
		ph->st.restarts++;
		log_warnx("proc helper: server restarted (pid %d, %llu "
		          "restarts)",
		          (int)ph->rep.pid,
		          (unsigned long long)ph->st.restarts);
	}
	ph->server = ph->rep.pid;
	ph->down_until_ms = 0; /* a fresh server: ask again */
}

/* Waits for rq's answer until the deadline; everything else that arrives
 * is classified and counted. 0 with the answer in ph->rep (and its fd in
 * *fd), or -1 with errno. */
static int
await(struct prochelp *ph, const struct prochelp_req *rq, int *fd)
{
	uint64_t end = mono_ms() + (uint64_t)ph->deadline_ms, now;
	int nfds, got;
	bool trunc;
	ssize_t n;

	for (;;) {
		now = mono_ms();
		if (now >= end) {
			ph->st.timeouts++;
			ph->down_until_ms = now + PROCHELP_BACKOFF_MS;
			log_warnx("proc helper: no answer within %d ms, not "
			          "asked for %d ms",
			          ph->deadline_ms, PROCHELP_BACKOFF_MS);
			errno = ETIMEDOUT;
			return -1;
		}
		n = recv_one(ph, (int)(end - now), &got, &nfds, &trunc);
		if (n < 0) {
			log_warnx("proc helper: gone");
			errno = EPIPE;
			return -1;
		}
		if (n == 0)
			continue;
		switch (
		    prochelp_rep_check(&ph->rep, (size_t)n, nfds, trunc, rq)) {
		case PROCHELP_V_ANSWER:
			*fd = got;
			return 0;
		case PROCHELP_V_HELLO:
			saw_hello(ph);
			break;
		case PROCHELP_V_STALE:
			ph->st.stale++;
			break;
		case PROCHELP_V_REUSED:
			ph->st.reused++;
			if (got >= 0)
				(void)close(got);
			errno = ESRCH;
			return -1;
		case PROCHELP_V_MALFORMED:
			ph->st.malformed++;
			break;
		}
		if (got >= 0)
			(void)close(got);
	}
}

/* Sends rq (pid's start time read here) and waits for its answer. 0 with
 * ph->rep filled, or -1 with errno. */
static int
ask(struct prochelp *ph, struct prochelp_req *rq, int *fd)
{
	struct procfs_stat st;

	*fd = -1;
	if (ph->fd < 0 || ph->lost || mono_ms() < ph->down_until_ms) {
		ph->st.down++;
		errno = EAGAIN;
		return -1;
	}
	if (procfs_read_stat(PROCFS_ROOT, rq->pid, 0, &st) != 0)
		return -1; /* gone: as /proc would say */
	rq->magic = PROCHELP_MAGIC;
	rq->seq = ++ph->seq;
	rq->starttime = st.starttime;
	ph->st.requests++;
	if (send(ph->fd, rq, sizeof(*rq), MSG_DONTWAIT | MSG_NOSIGNAL) !=
	    (ssize_t)sizeof(*rq)) {
		if (errno == EPIPE || errno == ECONNRESET)
			ph->lost = true;
		ph->st.down++;
		log_warn("proc helper: send");
		return -1;
	}
	if (await(ph, rq, fd) != 0)
		return -1;
	ph->st.answered++;
	if (ph->rep.err != 0) {
		ph->st.refused++;
		errno = ph->rep.err;
		return -1;
	}
	return 0;
}

ssize_t
prochelp_readlink(struct prochelp *ph, pid_t pid, const char *what, char *buf,
                  size_t cap)
{
	struct prochelp_req rq;
	int fd;

	memset(&rq, 0, sizeof(rq));
	rq.kind = PROCHELP_LINK;
	rq.pid = (int32_t)pid;
	if (pid <= 0 || prochelp_what_parse(what, &rq) != 0) {
		errno = EINVAL;
		return -1;
	}
	if (ask(ph, &rq, &fd) != 0)
		return -1;
	if (ph->rep.len >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, ph->rep.text, ph->rep.len);
	buf[ph->rep.len] = '\0';
	return (ssize_t)ph->rep.len;
}

int
prochelp_root(struct prochelp *ph, pid_t pid, int *fd, uint64_t *mnt_id,
              uint64_t *ino)
{
	struct prochelp_req rq;
	int got;

	memset(&rq, 0, sizeof(rq));
	rq.kind = PROCHELP_ROOT;
	rq.pid = (int32_t)pid;
	rq.fd = fd != NULL;
	if (pid <= 0) {
		errno = EINVAL;
		return -1;
	}
	if (ask(ph, &rq, &got) != 0)
		return -1;
	*mnt_id = ph->rep.mnt_id;
	*ino = ph->rep.ino;
	if (fd != NULL)
		*fd = got;
	return 0;
}

uint64_t
prochelp_take_lost(struct prochelp *ph)
{
	uint64_t lost;
	int got, nfds, status;
	bool trunc;
	ssize_t n;

	while (ph->fd >= 0 && !ph->lost &&
	       (n = recv_one(ph, 0, &got, &nfds, &trunc)) > 0) {
		enum prochelp_verdict v =
		    prochelp_rep_check(&ph->rep, (size_t)n, nfds, trunc, NULL);

		if (v == PROCHELP_V_HELLO)
			saw_hello(ph);
		else if (v == PROCHELP_V_STALE)
			ph->st.stale++;
		else
			ph->st.malformed++;
		if (got >= 0)
			(void)close(got);
	}
	if (ph->keeper > 0 &&
	    waitpid(ph->keeper, &status, WNOHANG) == ph->keeper) {
		log_warnx("proc helper: keeper %d exited: /proc links of "
		          "privileged tasks unreadable from now on",
		          (int)ph->keeper);
		ph->keeper = 0;
		ph->lost = true;
	}
	lost = ph->st.timeouts + ph->st.malformed + ph->st.down;
	n = (ssize_t)(lost - ph->lost_taken);
	ph->lost_taken = lost;
	return (uint64_t)n;
}

int
prochelp_start(struct prochelp *ph)
{
	int sv[2], got, nfds;
	uint64_t end;
	bool trunc;
	ssize_t n;
	pid_t p;

	prochelp_attach(ph, -1);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		log_warn("proc helper: socketpair");
		return -1;
	}
	fflush(NULL);
	p = fork();
	if (p < 0) {
		log_warn("proc helper: fork");
		(void)close(sv[0]);
		(void)close(sv[1]);
		return -1;
	}
	if (p == 0) {
		(void)close(sv[0]);
		prochelp_keeper_main(sv[1]);
	}
	(void)close(sv[1]);
	ph->fd = sv[0];
	ph->keeper = p;
	/* the first HELLO: the server runs (and holds its capabilities) */
	end = mono_ms() + 1000;
	while (ph->hellos == 0 && mono_ms() < end) {
		n = recv_one(ph, (int)(end - mono_ms()), &got, &nfds, &trunc);
		if (n < 0)
			break;
		if (got >= 0)
			(void)close(got);
		if (n > 0 &&
		    prochelp_rep_check(&ph->rep, (size_t)n, nfds, trunc,
		                       NULL) == PROCHELP_V_HELLO)
			saw_hello(ph);
	}
	if (ph->hellos == 0) {
		log_warnx("proc helper: no server started");
		prochelp_stop(ph);
		return -1;
	}
	log_info("proc helper: keeper %d, server %d", (int)ph->keeper,
	         (int)ph->server);
	return 0;
}

void
prochelp_stop(struct prochelp *ph)
{
	if (ph->fd >= 0)
		(void)close(ph->fd);
	ph->fd = -1;
	if (ph->keeper > 0) {
		/* the keeper kills and reaps its server, then exits: nothing
		 * of the helper is left once this returns */
		(void)kill(ph->keeper, SIGTERM);
		while (waitpid(ph->keeper, NULL, 0) < 0 && errno == EINTR)
			;
	}
	ph->keeper = 0;
	if (ph->st.requests > 0)
		log_info("proc helper: %llu requests, %llu answered, %llu "
		         "refused, %llu timeouts, %llu malformed, %llu stale, "
		         "%llu reused, %llu down, %llu restarts",
		         (unsigned long long)ph->st.requests,
		         (unsigned long long)ph->st.answered,
		         (unsigned long long)ph->st.refused,
		         (unsigned long long)ph->st.timeouts,
		         (unsigned long long)ph->st.malformed,
		         (unsigned long long)ph->st.stale,
		         (unsigned long long)ph->st.reused,
		         (unsigned long long)ph->st.down,
		         (unsigned long long)ph->st.restarts);
}

/* ---- the gate procfs and rootcache fall back to ---- */

static ssize_t
gate_readlink(void *arg, pid_t pid, const char *what, char *buf, size_t cap)
{
	return prochelp_readlink(arg, pid, what, buf, cap);
}

static int
gate_root(void *arg, pid_t pid, int *fd, uint64_t *mnt_id, uint64_t *ino)
{
	return prochelp_root(arg, pid, fd, mnt_id, ino);
}

void
prochelp_gate(struct prochelp *ph)
{
	static struct procfs_gate g;

	if (ph == NULL) {
		procfs_set_gate(NULL);
		return;
	}
	g.readlink = gate_readlink;
	g.root = gate_root;
	g.arg = ph;
	procfs_set_gate(&g);
}
