/* auditsock.h - the kernel audit netlink socket: godo registers as THE audit
 * daemon (unicast), sets enabled/backlog, reads records with a budget and
 * polls the kernel status for the lost counter. Two sockets (docs
 * kernel-interfaces.md 5.1): a control socket for status, settings and
 * rules, and the event socket that only ever sends AUDIT_SET pid and then
 * receives records; both are read through listener/nlrecv.h. The handle
 * owns both sockets and its receive buffers until auditsock_close(), which
 * also puts the kernel settings back. Errors are logged where they happen
 * and returned as -1 (NULL for auditsock_open); datagrams that are not
 * records are counted, not logged. Nothing here calls fatal(). */
#ifndef GODO_AUDITSOCK_H
#define GODO_AUDITSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define AUDITSOCK_BACKLOG_LIMIT 8192u
#define AUDITSOCK_RCVBUF (1024ull * 1024 * 1024) /* -backlog=BYTES default */
#define AUDITSOCK_BUF_SIZE                                                     \
	(16 + 8970)        /* nlmsghdr + MAX_AUDIT_MESSAGE_LENGTH              \
	                    */
#define AUDITSOCK_BATCH 32 /* messages per recvmmsg */

/* How godo gets records from the kernel. */
enum auditsock_mode {
	AUDITSOCK_UNICAST,   /* registered as the audit daemon (the default) */
	AUDITSOCK_MULTICAST, /* joined AUDIT_NLGRP_READLOG beside the daemon:
	                      * no registration, no setting changed */
	AUDITSOCK_CONTROL,   /* the control socket only (records come from
	                      * elsewhere): status and rules */
};

struct auditsock_opts {
	enum auditsock_mode mode;
	uint32_t backlog_limit;     /* 0: AUDITSOCK_BACKLOG_LIMIT */
	bool set_wait_time;         /* set backlog_wait_time below */
	uint32_t backlog_wait_time; /* jiffies; 0 = never block, lose */
	uint64_t rcvbuf; /* SO_RCVBUFFORCE bytes; 0: AUDITSOCK_RCVBUF */
	bool force;      /* another live daemon: SIGTERM it and take over */
};

/* The kernel's struct audit_status fields godo uses. */
struct auditsock_status {
	uint32_t enabled, failure, pid, rate_limit, backlog_limit, lost,
	    backlog, backlog_wait_time;
};

struct auditsock_counters {
	uint64_t records;        /* handed to the callback */
	uint64_t acks;           /* NLMSG_ERROR with error 0 */
	uint64_t nl_errors;      /* NLMSG_ERROR with an errno */
	uint64_t replies;        /* AUDIT_GET and other non-record messages */
	uint64_t replace;        /* AUDIT_REPLACE: someone tried to take over */
	uint64_t bad_sender;     /* nl_pid != 0: dropped */
	uint64_t malformed;      /* short or inconsistent header: dropped */
	uint64_t oversize;       /* larger than AUDITSOCK_BUF_SIZE: dropped */
	uint64_t enobufs;        /* receive buffer overrun */
	uint64_t status_polls;   /* AUDIT_GET replies handled */
	uint64_t lost;           /* kernel lost counter growth since open */
	uint32_t lost_kernel;    /* last lost value seen (system-wide) */
	uint32_t backlog;        /* last backlog seen */
	uint32_t backlog_max;    /* its high-water mark */
	uint64_t disabled_polls; /* status replies saying enabled == 0 */
	uint64_t displaced_polls; /* status replies naming another pid */
	uint64_t reenabled;       /* auditsock_reenable successes */
	uint64_t reclaimed;       /* auditsock_reclaim successes */
};

/* Tamper detection from the last status reply (for the status poll). */
struct auditsock_health {
	bool known;     /* a status reply was handled since open */
	bool disabled;  /* enabled == 0: the kernel records nothing */
	bool locked;    /* enabled == 2: no setting can change until reboot */
	bool displaced; /* the registered pid is not godo's: records go to
	                 * that process (pid), or nowhere when pid == 0 */
	uint32_t enabled, pid; /* as last seen */
};

struct auditsock;

/* Called once per record; payload is not NUL-terminated and is valid only
 * until the callback returns. */
typedef void auditsock_record_fn(uint16_t type, const char *payload, size_t len,
                                 void *arg);

/* AUDITSOCK_MULTICAST and AUDITSOCK_CONTROL: opens the control socket,
 * reads the status (kept for auditsock_found), and with MULTICAST joins the
 * read-only group on the event socket (needs CAP_AUDIT_READ: EPERM); never
 * registers, never changes a setting, also when locked, and close puts
 * nothing back. With CONTROL, auditsock_fd is -1.
 * AUDITSOCK_UNICAST: opens both sockets, refuses a locked audit (enabled == 2,
 * errno EPERM), registers this process (EEXIST when another live daemon is
 * registered and !o->force), remembers the previous settings, sets enabled=1,
 * backlog_limit, backlog_wait_time (if asked), SO_RCVBUFFORCE, O_NONBLOCK.
 * NULL on failure with errno set and the kernel state put back. */
struct auditsock *auditsock_open(const struct auditsock_opts *o);

int auditsock_fd(const struct auditsock *s); /* event socket, for epoll */
int auditsock_ctl_fd(
    const struct auditsock *s); /* control socket (status replies) */

/* Reads up to budget datagrams from the event socket and calls fn for each
 * record. Returns records handled (0 when nothing was queued, EAGAIN), or -1
 * on a socket error other than EAGAIN/EINTR/ENOBUFS (counted). */
ssize_t auditsock_read(struct auditsock *s, auditsock_record_fn *fn, void *arg,
                       unsigned int budget);

/* Sends AUDIT_GET on the control socket without waiting; the reply is
 * handled by auditsock_status_read() when the control socket is readable. */
int auditsock_request_status(struct auditsock *s);

/* Handles queued replies on the control socket. Returns the growth of the
 * kernel lost counter seen in them (>= 0; the counter is never reset), -1
 * on a socket error. */
int64_t auditsock_status_read(struct auditsock *s);

/* Synchronous status query on the control socket (timeout 2 s). */
int auditsock_status(struct auditsock *s, struct auditsock_status *st);

/* The kernel status found at open (the registered daemon's pid...). */
const struct auditsock_status *auditsock_found(const struct auditsock *s);

const struct auditsock_counters *auditsock_counters(const struct auditsock *s);

/* The health as of the last status reply handled (auditsock_status_read
 * or auditsock_status). */
void auditsock_health(const struct auditsock *s, struct auditsock_health *h);

/* The pure part: health of a status for the registered pid self. */
void auditsock_health_of(const struct auditsock_status *st, uint32_t self,
                         struct auditsock_health *h);

/* AUDIT_SET enabled=1 on the control socket, when the last status said
 * disabled (enabled == 0). 0 on success (and when there was nothing to
 * do), -1 logged: refused, or locked (enabled == 2, errno EPERM). Drains
 * the control socket: call it after auditsock_status_read. At close,
 * enabled is put back to what it was at open. */
int auditsock_reenable(struct auditsock *s);

/* Registers godo again as the audit daemon after another process took the
 * role (health.displaced): as at open, a live rival is refused (-1, errno
 * EEXIST, logged) unless force, then it gets SIGTERM (SIGKILL after 2 s).
 * Blocks up to 6 s with force. 0 when godo is registered again. */
int auditsock_reclaim(struct auditsock *s, bool force);

/* Unregisters (pid 0), restores enabled, backlog_limit and
 * backlog_wait_time where godo changed them, closes both sockets. Rules are
 * not touched (rules_remove first). NULL is ignored. */
void auditsock_close(struct auditsock *s);

/* Raw helpers, also used by tests: status over any audit socket. */
int auditsock_query_status(int fd, struct auditsock_status *st, int timeout_ms);

#endif
