/* nlrecv.h - receiving from the kernel's netlink sockets, in one place for
 * both sources (auditsock: the audit event and control sockets; procconn:
 * the proc connector): datagrams read in batches with recvmmsg(2) under a
 * budget, one reply awaited with a timeout, stale replies drained. What a
 * datagram means is the caller's business; nlrecv only says how long it is,
 * whether it was cut, and whether the kernel (nl_pid 0) sent it.
 * Errors: -1 after a log line naming the source (the "what" given at
 * creation or per call, e.g. "audit"), as common/log.h prints it. */
#ifndef GODO_NLRECV_H
#define GODO_NLRECV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NLRECV_BATCH_MAX 64
#define NLRECV_MSG_MAX (1u << 20) /* bytes per datagram buffer */

/* One received datagram, borrowed by the callback: b[0..n) is valid only
 * until the callback returns (the buffer is reused by the next batch). b is
 * aligned for struct nlmsghdr. */
struct nlrecv_msg {
	const char *b;
	size_t n;         /* bytes in b (at most the msg_size of nlrecv_new) */
	bool truncated;   /* longer than msg_size: b holds the first n bytes */
	bool from_kernel; /* sender is a netlink address with nl_pid 0 */
};

typedef void nlrecv_fn(const struct nlrecv_msg *m, void *arg);

struct nlrecv; /* opaque: batch buffers, allocated once */

/* A batch reader for batch datagrams (1..NLRECV_BATCH_MAX) of up to
 * msg_size bytes (1..NLRECV_MSG_MAX) each. what names the source in log lines
 * and must outlive the reader (a string literal). NULL, logged, on a bad
 * parameter or when out of memory. */
struct nlrecv *nlrecv_new(const char *what, unsigned int batch,
                          size_t msg_size);
void nlrecv_free(struct nlrecv *r); /* NULL is ignored */

/* Reads from fd without blocking (MSG_DONTWAIT), a batch per recvmmsg,
 * until budget datagrams were read, the queue is empty (EAGAIN) or a batch
 * came back short, and calls fn for each datagram in arrival order. EINTR
 * is retried. ENOBUFS (the kernel dropped datagrams for this socket: how
 * many is unknown) adds one to *overruns and reading goes on. Returns the
 * number of datagrams handed to fn (0 when none were queued), or -1, logged,
 * on any other socket error. */
ssize_t nlrecv_read(struct nlrecv *r, int fd, unsigned int budget,
                    nlrecv_fn *fn, void *arg, uint64_t *overruns);

/* Waits up to timeout_ms for one datagram from the kernel on fd and
 * receives it into buf[0..cap); datagrams from other senders are skipped,
 * EINTR, EAGAIN and ENOBUFS retried, each time with the full timeout.
 * Returns its length (> 0), 0 on timeout (errno ETIMEDOUT, not logged: the
 * caller knows whether that is a failure), -1, logged with what, on a
 * poll or receive error. */
ssize_t nlrecv_wait(int fd, void *buf, size_t cap, int timeout_ms,
                    const char *what);

/* Throws away what is queued on fd (at most 256 datagrams, so a flood
 * cannot hold the caller): late ACKs or status replies that would confuse
 * the next request/reply exchange. Returns the number discarded. */
unsigned int nlrecv_drain(int fd);

#endif
