/* writer.c - see writer.h. */
#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "frame.h"
#include "priv.h"
#include "log.h"
#include "store.h"
#include "storelink.h"
#include "storemod.h"
#include "util.h"
#include "writerbox.h"

#define WRITER_FD 3
#define WRITER_TURN_FRAMES 64

int
writer_cfg_init(struct writer_cfg *c, const struct storelink_opts *o, char *err,
                size_t errlen)
{
	const char *user = o->user != NULL ? o->user : "godo";
	struct passwd *pw = getpwnam(user);
	char dir[4096], mod[4096];

	memset(c, 0, sizeof(*c));
	c->ctl = -1;
	if (pw == NULL && o->user == NULL) {
		log_info("no user %s: the writer runs as nobody", user);
		pw = getpwnam("nobody");
	}
	if (pw == NULL || pw->pw_uid == 0) {
		snprintf(err, errlen, "writer: no unprivileged user %s", user);
		return -1;
	}
	c->uid = pw->pw_uid;
	c->gid = pw->pw_gid;
	snprintf(dir, sizeof(dir), "%s/writer", o->state_dir);
	/* 0711: the writer's chroot(".") runs as root without
	 * CAP_DAC_OVERRIDE and needs search permission; the state directory
	 * (0700 root) keeps everyone else out */
	if ((mkdir(o->state_dir, 0700) != 0 && errno != EEXIST) ||
	    (mkdir(dir, 0711) != 0 && errno != EEXIST) ||
	    chown(dir, c->uid, c->gid) != 0 || chmod(dir, 0711) != 0) {
		snprintf(err, errlen, "writer: cannot prepare %s: %s", dir,
		         strerror(errno));
		return -1;
	}
	c->chroot = writerbox_uri_chroot_ok(o->target);
	if (!c->chroot)
		log_info("writer: not chrooted: the -mongo URI asks for TLS "
		         "or a unix socket (files outside its directory)");
	/* found and checked now, loaded by each writer: godo stops at
	 * start, not at the first writer, when it is missing or unsafe */
	if (storemod_find(mod, sizeof(mod), err, errlen) != 0)
		return -1;
	c->module = strdup(mod);
	c->target = strdup(o->target);
	c->db = strdup(o->db);
	c->host = strdup(o->host);
	c->dir = strdup(dir);
	if (c->target == NULL || c->db == NULL || c->host == NULL ||
	    c->dir == NULL || c->module == NULL) {
		writer_cfg_free(c);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void
writer_cfg_free(struct writer_cfg *c)
{
	if (c->target != NULL)
		explicit_bzero(c->target, strlen(c->target));
	if (c->ctl >= 0)
		close(c->ctl); /* the monitor exits */
	c->ctl = -1;
	if (c->monitor > 0) {
		int i;

		for (i = 0; i < 50; i++) {
			if (waitpid(c->monitor, NULL, WNOHANG) != 0)
				break;
			usleep(20000);
		}
		if (i == 50)
			log_warnx("writer: monitor %d did not exit",
			          (int)c->monitor);
	}
	c->monitor = 0;
	free(c->target);
	free(c->db);
	free(c->host);
	free(c->dir);
	free(c->module);
	c->target = c->db = c->host = c->dir = c->module = NULL;
}

static int
drop_to(const struct writer_cfg *c)
{
	if (setgroups(0, NULL) != 0 || setgid(c->gid) != 0 ||
	    setuid(c->uid) != 0) {
		log_warn("writer: cannot become uid %u", (unsigned)c->uid);
		return -1;
	}
	if (setuid(0) == 0) { /* must fail now */
		log_warnx("writer: root could be regained");
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		log_warn("writer: no_new_privs");
		return -1;
	}
	return writerbox_seccomp();
}

static void
close_others(void)
{
	long fd;

	if (syscall(SYS_close_range, WRITER_FD + 1, ~0U, 0) == 0)
		return;
	for (fd = WRITER_FD + 1; fd < 65536; fd++)
		(void)close((int)fd);
}

struct wstate {
	struct store *s;
	uint64_t last_seq, acked_seq;
	uint64_t bad_frames; /* malformed frames, bad envelopes */
	struct frame_counts fc;
	bool dirty;
};

static void
send_plain(int fd, enum frame_type t, uint64_t seq, const void *p, size_t n)
{
	struct frame_hdr h;
	uint8_t buf[sizeof(h) + 512];

	if (n > sizeof(buf) - sizeof(h) || frame_hdr_init(&h, t, seq, n) != 0)
		return;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), p, n);
	/* an ack lost to a full socket is made good by the next one */
	if (send(fd, buf, sizeof(h) + n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
	    errno != EAGAIN)
		log_warn("writer: send");
}

static void
ack(struct wstate *w)
{
	struct store_stats st;

	store_get_stats(w->s, &st);
	st.failed_ops += w->bad_frames;
	send_plain(WRITER_FD, FRAME_ACK, w->last_seq, &st, sizeof(st));
	w->acked_seq = w->last_seq;
}

static void
apply_docs(struct wstate *w, const uint8_t *p, size_t len)
{
	size_t off = 0;

	while (off < len) { /* frame_check: whole documents */
		uint32_t d;
		bson_t env;

		memcpy(&d, p + off, 4);
		if (!bson_init_static(&env, p + off, d) ||
		    store_apply_env(w->s, &env) != 0)
			w->bad_frames++; /* logged */
		off += d;
	}
	w->dirty = true;
}

/* A spool file, in slices of STORE_BATCH_MAX operations, each flushed. */
static void
apply_file(struct wstate *w, int fd)
{
	bson_reader_t *r = bson_reader_new_from_fd(fd, true);
	const bson_t *env;
	bool eof = false;
	uint64_t n = 0;

	if (r == NULL) {
		close(fd);
		return;
	}
	while ((env = bson_reader_read(r, &eof)) != NULL) {
		if (store_apply_env(w->s, env) != 0)
			w->bad_frames++;
		if (++n % STORE_BATCH_MAX == 0)
			(void)store_flush(w->s, util_now_ms()); /* spools */
	}
	bson_reader_destroy(r);
	log_info("writer: %" PRIu64 " operations from the recorder's spool", n);
	w->dirty = true;
}

/* One frame from the recorder. */
static void
on_frame(struct wstate *w, const uint8_t *buf, size_t n, int passed_fd)
{
	struct frame_hdr h;
	const uint8_t *p;

	if (frame_accept(&w->fc, buf, n, 0, &h, &p) != 0 ||
	    (h.type != FRAME_BATCH && h.type != FRAME_REPLAY) ||
	    (h.type == FRAME_REPLAY) != (passed_fd >= 0)) {
		w->bad_frames++;
		log_warnx("writer: malformed frame refused (%zu bytes)", n);
		if (passed_fd >= 0)
			close(passed_fd);
		return;
	}
	if (h.type == FRAME_BATCH)
		apply_docs(w, p, h.len);
	else
		apply_file(w, passed_fd);
	w->last_seq = h.seq;
}

/* Reads up to WRITER_TURN_FRAMES frames; -1 at end of stream. */
static int
read_turn(struct wstate *w)
{
	static uint8_t buf[sizeof(struct frame_hdr) + FRAME_MAX + 1];
	int i;

	for (i = 0; i < WRITER_TURN_FRAMES; i++) {
		int pfd;
		bool trunc;
		ssize_t r = frame_recv(WRITER_FD, buf, sizeof(buf), &pfd,
		                       &trunc, MSG_DONTWAIT);

		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (r <= 0)
			return -1;
		if (trunc) {
			w->bad_frames++;
			log_warnx("writer: oversized frame refused");
			if (pfd >= 0)
				close(pfd);
			continue;
		}
		on_frame(w, buf, (size_t)r, pfd);
	}
	return 0;
}

static int
serve(struct store *s)
{
	struct wstate w = {.s = s};
	uint64_t last_flush = 0;

	for (;;) {
		struct pollfd p = {.fd = WRITER_FD, .events = POLLIN};
		int eof = 0;
		uint64_t now;

		if (poll(&p, 1, 200) < 0 && errno != EINTR) {
			log_warn("writer: poll");
			return 1;
		}
		if (p.revents != 0)
			eof = read_turn(&w) != 0;
		now = util_now_ms();
		if (w.dirty || store_pending(s) > 0 ||
		    now - last_flush >= 1000 || eof) {
			/* written or in the writer's spool: acknowledged */
			(void)store_flush(s, now);
			last_flush = now;
			w.dirty = false;
			ack(&w);
		}
		if (eof)
			return 0;
	}
}

static void
writer_main(struct writer_cfg *c)
{
	struct frame_hello hello;
	struct store *s;
	char err[512];
	sigset_t none;

	memset(&hello, 0, sizeof(hello));
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)signal(SIGINT, SIG_IGN); /* the recorder decides when to stop */
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGUSR1, SIG_IGN);
	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	close_others();
	/* the driver's counters in memory: no /dev/shm file (the chroot has
	 * none, and a killed writer would leave its file behind) */
	if (setenv("MONGOC_DISABLE_SHM", "1", 1) != 0)
		_exit(1);
	/* libmongoc, its constructor and the libraries it pulls in, while
	 * the files are still there: only this process maps them */
	if (storemod_load(c->module, err, sizeof(err)) == 0) {
		if ((c->chroot && writerbox_chroot() != 0) || drop_to(c) != 0)
			_exit(1);
		s = c->started ? store_new(c->target, c->db, err, sizeof(err))
		               : store_open(c->target, c->db, err, sizeof(err));
	} else {
		s = NULL;
	}
	explicit_bzero(c->target, strlen(c->target));
	if (s == NULL) {
		log_warnx("writer: %s", err);
		hello.found = -2;
		/* the recorder's error line says why (err names the URI
		 * redacted: store_open) */
		util_strlcpy(hello.why, err, sizeof(hello.why));
		send_plain(WRITER_FD, FRAME_HELLO, 0, &hello, sizeof(hello));
		_exit(1);
	}
	if (store_set_spool(s, "spool.bson", 1024ull * 1024 * 1024) != 0)
		_exit(1);
	if (!c->started) {
		store_ensure_indexes(s);
		hello.found = store_last_run(s, c->host, &hello.last_run_ns);
		hello.updates_scan = store_updates_scan(s);
	} else {
		hello.found = 0;
	}
	send_plain(WRITER_FD, FRAME_HELLO, 0, &hello, sizeof(hello));
	log_info("writer: serving as uid %u", (unsigned)getuid());
	_exit(serve(s));
}

/* A child on the other end of a new SOCK_SEQPACKET socketpair (its end
 * at WRITER_FD) runs body(c) and never returns; *fd is ours. -1 logged. */
static int
fork_on_socket(struct writer_cfg *c, void (*body)(struct writer_cfg *),
               int sndbuf, int *fd, pid_t *pid)
{
	int sv[2];
	pid_t p;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		log_warn("writer: socketpair");
		return -1;
	}
	/* room for bursts (FORCE: may be refused; then 2 x wmem_max) */
	if (sndbuf > 0 &&
	    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf,
	               sizeof(sndbuf)) != 0 &&
	    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) !=
	        0)
		log_warn("writer: SO_SNDBUF");
	fflush(NULL);
	p = fork();
	if (p < 0) {
		log_warn("writer: fork");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (p == 0) {
		if (dup2(sv[1], WRITER_FD) != WRITER_FD)
			_exit(1);
		body(c);
		_exit(1);
	}
	close(sv[1]);
	*fd = sv[0];
	*pid = p;
	return 0;
}

static int
fork_writer(struct writer_cfg *c, int *fd, pid_t *pid)
{
	if (fork_on_socket(c, writer_main, 4 << 20, fd, pid) != 0)
		return -1;
	c->started = true;
	return 0;
}

/* The monitor's end: after its writers. With SIGCHLD ignored the kernel
 * reaps them and wait() returns ECHILD once the last is gone, so no
 * writer outlives the monitor, which the recorder reaps before it exits
 * (writer_cfg_free): a writer that closed its socket may still be exiting,
 * and would otherwise be left to init. Bounded by the recorder: it waits
 * a second, then its exit kills the monitor (PDEATHSIG) and so the
 * writers. */
static void __attribute__((noreturn)) monitor_exit(void)
{
	while (wait(NULL) >= 0 || errno == EINTR)
		;
	_exit(0);
}

/* The monitor: forks writers on request (a byte on the control socket,
 * answered with the pid and the recorder's end as SCM_RIGHTS). It holds
 * the -mongo URI, so the recorder need not; it keeps CAP_SETUID and
 * CAP_SETGID only, for the writers' switch, and parses nothing. */
static void
monitor_main(struct writer_cfg *c)
{
	uint64_t keep = (1ull << CAP_SETUID) | (1ull << CAP_SETGID);
	int etcfd = -1;

	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGUSR1, SIG_IGN);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGCHLD, SIG_IGN); /* writers reaped by the kernel */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	close_others();
	/* first, with every capability: the state directory may be 0700
	 * root, the writer's own one 0711 its user; writers inherit this
	 * working directory, chroot into it and reach their spool there */
	if (chdir(c->dir) != 0) {
		log_warn("writer: chdir %s", c->dir);
		_exit(1);
	}
	if (c->chroot && prctl(PR_CAPBSET_READ, CAP_SYS_CHROOT, 0, 0, 0) != 1) {
		log_warnx("writer: not chrooted: CAP_SYS_CHROOT is not in the "
		          "bounding set (systemd unit?)");
		c->chroot = false;
	}
	if (c->chroot) {
		keep |= 1ull << CAP_SYS_CHROOT; /* for the writers' chroot */
		etcfd = writerbox_etc_open(AT_FDCWD);
		if (etcfd < 0)
			_exit(1);
	}
	if (priv_keep_only(keep) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		_exit(1);
	for (;;) {
		char req;
		ssize_t r = recv(WRITER_FD, &req, 1, 0);
		int fd = -1, one;
		pid_t pid = -1;
		int32_t wpid;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			monitor_exit(); /* the recorder is gone or done */
		/* the host's resolver files as they are now (logged) */
		if (etcfd >= 0)
			(void)writerbox_etc_refresh(etcfd, "/etc");
		/* the writer's end goes to fd WRITER_FD in the writer: the
		 * control socket is not inherited, nor etcfd */
		one = fork_writer(c, &fd, &pid);
		wpid = one == 0 ? (int32_t)pid : -1;
		if (frame_send(WRITER_FD, &wpid, sizeof(wpid), NULL, 0, fd,
		               0) != (ssize_t)sizeof(wpid))
			log_warnx("writer: monitor: answer lost");
		if (fd >= 0)
			close(fd);
	}
}

int
writer_cfg_start(struct writer_cfg *c)
{
	if (fork_on_socket(c, monitor_main, 0, &c->ctl, &c->monitor) != 0)
		return -1;
	/* the monitor has the URI: the recorder keeps no copy */
	explicit_bzero(c->target, strlen(c->target));
	return 0;
}

int
writer_spawn(struct writer_cfg *c, int *fd, pid_t *pid)
{
	struct pollfd p = {.fd = c->ctl, .events = POLLIN};
	int32_t wpid = -1;
	int got = -1;

	if (send(c->ctl, "w", 1, MSG_NOSIGNAL) != 1) {
		log_warn("writer: monitor");
		return -1;
	}
	/* a restart is rare (at most once a second): a short bounded wait */
	bool trunc;

	if (poll(&p, 1, 2000) != 1 ||
	    frame_recv(c->ctl, &wpid, sizeof(wpid), &got, &trunc, 0) !=
	        (ssize_t)sizeof(wpid) ||
	    trunc || got < 0 || wpid <= 0) {
		log_warnx("writer: the monitor did not start a writer");
		if (got >= 0)
			close(got);
		return -1;
	}
	if (fcntl(got, F_SETFL, O_NONBLOCK) != 0)
		log_warn("writer: O_NONBLOCK");
	*fd = got;
	*pid = (pid_t)wpid;
	return 0;
}
