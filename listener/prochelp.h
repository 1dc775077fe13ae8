/* prochelp.h - the proc helper: what /proc refuses a recorder without
 * CAP_SYS_PTRACE (-privsep), asked of a small process that kept it.
 *
 * The kernel's ptrace access check (PTRACE_MODE_READ_FSCREDS) refuses
 * /proc/PID/exe, cwd, root, ns/NAME and fd/N of every task holding a
 * capability the caller lacks: a root dockerd, runc, root in a container.
 * Before the recorder drops CAP_SYS_PTRACE it forks a keeper that keeps
 * CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH only (no_new_privs, every other
 * descriptor closed, no network, no store) and forks the server that
 * answers; a server that dies is forked again by the keeper (its HELLO
 * tells the recorder: counted as a restart). Both die with the recorder
 * (PR_SET_PDEATHSIG). The server reads nothing a container wrote except
 * /proc/PID/stat, through the fuzzed procfs_parse_stat, for the reuse
 * guard; it never follows a container's path.
 *
 * Messages on a SOCK_SEQPACKET socketpair are fixed binary structs:
 * a request names a pid, the start time the recorder saw (a pid reused
 * since is refused: the server opens /proc/PID, checks the start time
 * through that handle, and answers through it), a kind and a link; the
 * reply is a fixed header plus at most PROCHELP_TEXT_MAX bytes of link
 * text, or for a root an O_PATH descriptor (SCM_RIGHTS) and its statx
 * identity. Every length and field is checked on receipt on both sides;
 * a malformed message is refused and counted.
 *
 * The recorder waits at most the deadline (PROCHELP_DEADLINE_MS) for an
 * answer; a timeout is counted and the helper is not asked again for
 * PROCHELP_BACKOFF_MS (callers then see the failure /proc gives: the path
 * marked unverified). Single-threaded. */
#ifndef GODO_PROCHELP_H
#define GODO_PROCHELP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROCHELP_MAGIC 0x31485067u /* "gPH1" */
#define PROCHELP_TEXT_MAX 4096
#define PROCHELP_DEADLINE_MS 100
#define PROCHELP_BACKOFF_MS 1000
#define PROCHELP_FD 3 /* the helper's end of the socket */

enum prochelp_kind {
	PROCHELP_LINK = 1,  /* request/reply: a link's text */
	PROCHELP_ROOT = 2,  /* request/reply: the task's root */
	PROCHELP_HELLO = 3, /* reply only: a server started */
};

enum prochelp_link {
	PROCHELP_L_EXE = 1,
	PROCHELP_L_CWD,
	PROCHELP_L_ROOT,
	PROCHELP_L_FD, /* fd/<fd> */
	PROCHELP_L_NS, /* ns/<prochelp_ns_name(ns)> */
	PROCHELP_L_END
};

/* 40 bytes, no padding; both sides are the same binary. */
struct prochelp_req {
	uint32_t magic;
	uint16_t kind; /* PROCHELP_LINK or PROCHELP_ROOT */
	uint16_t link; /* enum prochelp_link (LINK) */
	uint64_t seq;
	uint64_t starttime; /* /proc/PID/stat field 22 as the recorder saw it */
	int32_t pid;        /* > 0 */
	int32_t tid;        /* 0: the process's links, else task/TID/ */
	int32_t fd;         /* LINK fd: the number; ROOT: 1 wants the fd */
	uint32_t ns;        /* LINK ns: index (prochelp_ns_name) */
};

struct prochelp_rep {
	uint32_t magic;
	uint16_t kind;
	uint16_t err; /* 0, else the errno the server got */
	uint64_t seq;
	uint64_t starttime;   /* what the server found */
	uint64_t mnt_id, ino; /* ROOT: the root's statx identity */
	int32_t pid;          /* the request's; HELLO: the server's */
	uint32_t len;         /* LINK: bytes of text; else 0 */
	char text[PROCHELP_TEXT_MAX];
};

#define PROCHELP_REP_HDR offsetof(struct prochelp_rep, text)

struct prochelp_stats {
	uint64_t requests, answered;
	uint64_t refused;   /* the task's answer: gone, not a link (errno) */
	uint64_t timeouts;  /* no answer within the deadline */
	uint64_t malformed; /* replies that failed a check */
	uint64_t stale;     /* replies to an earlier request, discarded */
	uint64_t reused;    /* the pid's start time changed: refused */
	uint64_t down;      /* not asked: backing off, or no helper */
	uint64_t restarts;  /* servers started after the first */
};

struct prochelp {
	int fd;       /* the recorder's end; -1: no helper */
	pid_t keeper; /* 0: none (a test's fake helper) */
	uint64_t seq;
	int deadline_ms;
	uint64_t down_until_ms;
	uint64_t hellos;
	pid_t server;        /* the last HELLO's */
	bool lost;           /* the socket closed: the keeper is gone */
	uint64_t lost_taken; /* what prochelp_take_lost reported */
	struct prochelp_stats st;
	struct prochelp_rep rep; /* receive buffer */
};

/* ---- the pure parts (unit-tested) ---- */

/* The name of namespace index i ("mnt", "net", ...), NULL past the end. */
const char *prochelp_ns_name(uint32_t i);
/* A procfs "what" ("exe", "cwd", "root", "fd/N", "ns/NAME", each maybe
 * after "task/TID/") into rq's link, tid, fd and ns. 0, or -1 (not one
 * the helper answers). */
int prochelp_what_parse(const char *what, struct prochelp_req *rq);
/* rq's link as a path under /proc/PID ("task/7/ns/net") into buf. 0/-1. */
int prochelp_link_path(const struct prochelp_req *rq, char *buf, size_t cap);
/* A received request of n bytes: 0 when well formed (copied to *rq). */
int prochelp_req_check(const void *buf, size_t n, struct prochelp_req *rq);

/* What a received reply is, checked against the request it should answer
 * (rq NULL: none outstanding). */
enum prochelp_verdict {
	PROCHELP_V_ANSWER,    /* rq's answer (err may be set) */
	PROCHELP_V_HELLO,     /* a server started */
	PROCHELP_V_STALE,     /* an answer to an earlier request */
	PROCHELP_V_REUSED,    /* rq's pid, but another start time */
	PROCHELP_V_MALFORMED, /* a bad length, magic, kind, field or fd */
};
/* n bytes received with nfds descriptors attached (truncated: MSG_TRUNC
 * or MSG_CTRUNC was set). */
enum prochelp_verdict prochelp_rep_check(const struct prochelp_rep *rep,
                                         size_t n, int nfds, bool truncated,
                                         const struct prochelp_req *rq);

/* ---- the recorder's side ---- */

/* Forks the keeper (which forks the server) on a new socketpair; waits up
 * to a second for the server's HELLO. 0, or -1 logged (ph->fd -1). */
int prochelp_start(struct prochelp *ph);
/* Uses fd (a test's end of a socketpair) as the helper; keeper none. */
void prochelp_attach(struct prochelp *ph, int fd);
/* Closes the socket (the helper then exits) and reaps the keeper. */
void prochelp_stop(struct prochelp *ph);
/* Reads HELLOs without waiting (restarts counted and logged), reaps a dead
 * keeper. Returns the requests lost to the helper (timeouts, malformed,
 * refused for being down) since the last call: the caller's gap. */
uint64_t prochelp_take_lost(struct prochelp *ph);

/* readlink of /proc/PID/<what> through the helper, as procfs_readlink
 * would with CAP_SYS_PTRACE: the text, NUL-terminated, in buf (cap);
 * its length, or -1 with errno (the server's, or ETIMEDOUT, EPROTO, ESRCH
 * for a reused pid, EAGAIN while down). " (deleted)" is left in. */
ssize_t prochelp_readlink(struct prochelp *ph, pid_t pid, const char *what,
                          char *buf, size_t cap);
/* /proc/PID/root through the helper: its identity, and with fd non-NULL
 * an O_PATH descriptor the caller owns. 0, or -1 with errno as above. */
int prochelp_root(struct prochelp *ph, pid_t pid, int *fd, uint64_t *mnt_id,
                  uint64_t *ino);

/* Makes ph the fallback of procfs_readlink and rootcache for what /proc
 * refuses (EACCES, EPERM) under PROCFS_ROOT; NULL removes it. */
void prochelp_gate(struct prochelp *ph);

/* ---- the helper's side (prochelp_srv.c) ---- */

/* Answers one request on fd (the server's loop body). 0; -1 when the
 * socket closed or failed. A malformed request is answered with nothing
 * and counted in *bad. */
int prochelp_serve_one(int fd, uint64_t *bad);
/* The keeper's body in the forked child, fd its end: never returns. */
void prochelp_keeper_main(int fd) __attribute__((noreturn));

#endif
