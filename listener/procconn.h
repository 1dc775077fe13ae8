/* procconn.h - the proc connector source: subscribe to FORK, EXEC, EXIT and
 * COMM of every task (host pids), read with a budget (listener/nlrecv.h),
 * decode into struct procconn_event, count overruns. After ENOBUFS an
 * unknown number of events is lost: the "resync needed" flag tells the
 * caller to rescan /proc. Errors are logged where they happen; nothing here
 * calls fatal(). The handle owns its socket and buffers until
 * procconn_close(). */
#ifndef GODO_PROCCONN_H
#define GODO_PROCCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum procconn_what {
	PROCCONN_OTHER,
	PROCCONN_FORK,
	PROCCONN_EXEC,
	PROCCONN_EXIT,
	PROCCONN_COMM,
	PROCCONN_ACK
};

struct procconn_event {
	enum procconn_what what;
	uint64_t ts_ns;       /* the message's timestamp_ns: CLOCK_MONOTONIC */
	int32_t pid, tgid;    /* FORK: the child; others: the task */
	int32_t ppid, ptgid;  /* FORK: parent_pid/parent_tgid; EXIT: parent */
	uint32_t exit_code;   /* EXIT: wait status */
	uint32_t exit_signal; /* EXIT */
	char comm[17];        /* COMM, NUL-terminated */
	uint32_t raw_what;    /* proc_event.what as sent */
	uint32_t cpu;         /* the sending CPU */
	uint32_t seq, ack;    /* cn_msg seq/ack (ACK: ack = ours + 1) */
	uint32_t err;         /* ACK: error */
};

#define PROCCONN_RCVBUF (256u * 1024 * 1024) /* minutes of a fork storm */

struct procconn_counters {
	uint64_t events;     /* decoded and handed to the callback */
	uint64_t acks;       /* subscription ACKs (not handed on) */
	uint64_t overruns;   /* recv ENOBUFS: events lost, count unknown */
	uint64_t bad_sender; /* nl_pid != 0 */
	uint64_t malformed;  /* failed procconn_decode */
};

struct procconn;

/* ev is valid only until the callback returns. */
typedef void procconn_event_fn(const struct procconn_event *ev, void *arg);

/* Opens, binds CN_IDX_PROC, sets SO_RCVBUFFORCE (rcvbuf bytes; 0:
 * PROCCONN_RCVBUF), subscribes with the 8-byte proc_input event mask
 * FORK|EXEC|EXIT|COMM (Linux >= 6.6), falling back to the 4-byte
 * PROC_CN_MCAST_LISTEN when the kernel does not ACK the 8-byte form (which
 * form was taken is logged: debug for the filtered one, info for the
 * fallback); O_NONBLOCK. Events that arrived during the handshake were dropped,
 * so the resync flag starts set. NULL on failure, errno set. */
struct procconn *procconn_open(size_t rcvbuf);

int procconn_fd(const struct procconn *c);

/* Reads up to budget datagrams, calls fn per event (ACKs are counted, not
 * passed). Returns events handled (0 when nothing is queued), -1 on a socket
 * error other than EAGAIN/EINTR/ENOBUFS. */
ssize_t procconn_read(struct procconn *c, procconn_event_fn *fn, void *arg,
                      unsigned int budget);

/* Returns whether a resync is needed (overrun since the last call, or the
 * start) and clears the flag. */
bool procconn_resync_take(struct procconn *c);

const struct procconn_counters *procconn_counters(const struct procconn *c);

/* Pure: decodes one netlink message (nlmsghdr + cn_msg + proc_event) of len
 * bytes; fields are read with memcpy (buf need not be aligned). 0 on
 * success (ev->what PROCCONN_OTHER for events godo does not model), -1 when the
 * message is short, inconsistent or not from CN_IDX_PROC/CN_VAL_PROC. */
int procconn_decode(const void *buf, size_t len, struct procconn_event *ev);

/* Unsubscribes (PROC_CN_MCAST_IGNORE in the form used) and closes. */
void procconn_close(struct procconn *c);

#endif
