/* src_conn.h - the proc connector source: subscribe to FORK, EXEC, EXIT and
 * COMM of every task (host pids), read with a budget, decode into struct
 * cn_event (conn.h), count overruns. After ENOBUFS an unknown number of
 * events is lost: the "resync needed" flag tells the caller to rescan /proc.
 * Nothing here calls fatal(). */
#ifndef GODO_SRC_CONN_H
#define GODO_SRC_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conn.h"

#define CONN_RCVBUF (256u * 1024 * 1024) /* minutes of a fork storm */

struct conn_counters {
	uint64_t events;     /* decoded and handed to the callback */
	uint64_t acks;       /* subscription ACKs (not handed on) */
	uint64_t overruns;   /* recv ENOBUFS: events lost, count unknown */
	uint64_t bad_sender; /* nl_pid != 0 */
	uint64_t malformed;  /* failed conn_decode */
};

struct conn;

/* ev is valid only until the callback returns. */
typedef void conn_event_fn(const struct cn_event *ev, void *arg);

/* Opens, binds CN_IDX_PROC, sets SO_RCVBUFFORCE (rcvbuf bytes; 0:
 * CONN_RCVBUF), subscribes with the 8-byte proc_input event mask
 * FORK|EXEC|EXIT|COMM (Linux >= 6.6), falling back to the 4-byte
 * PROC_CN_MCAST_LISTEN when the kernel does not ACK the 8-byte form;
 * O_NONBLOCK. Events that arrived during the handshake were dropped, so the
 * resync flag starts set. NULL on failure, errno set. */
struct conn *conn_open(size_t rcvbuf);

int conn_fd(const struct conn *c);
/* True when the kernel accepted the 8-byte filtered subscription. */
bool conn_filtered(const struct conn *c);

/* Reads up to budget datagrams, calls fn per event (ACKs are counted, not
 * passed). Returns events handled (0 when nothing is queued), -1 on a socket
 * error other than EAGAIN/EINTR/ENOBUFS. */
ssize_t conn_read(struct conn *c, conn_event_fn *fn, void *arg,
                  unsigned int budget);

/* Returns whether a resync is needed (overrun since the last call, or the
 * start) and clears the flag. */
bool conn_resync_take(struct conn *c);

const struct conn_counters *conn_counters(const struct conn *c);

/* Pure: decodes one netlink message (nlmsghdr + cn_msg + proc_event) of len
 * bytes; fields are read with memcpy (buf need not be aligned). 0 on
 * success (ev->what CN_OTHER for events godo does not model), -1 when the
 * message is short, inconsistent or not from CN_IDX_PROC/CN_VAL_PROC. */
int conn_decode(const void *buf, size_t len, struct cn_event *ev);

/* Unsubscribes (PROC_CN_MCAST_IGNORE in the form used) and closes. */
void conn_close(struct conn *c);

#endif
