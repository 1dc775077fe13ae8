/* conn.h - the proc connector: subscribe to fork/exec/exit of every task,
 * decode messages into struct cn_event, count overruns (ENOBUFS). */
#ifndef GODO_CONN_H
#define GODO_CONN_H

#include <stdint.h>

enum cn_what { CN_OTHER, CN_FORK, CN_EXEC, CN_EXIT, CN_COMM, CN_ACK };

struct cn_event {
	enum cn_what what;
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

#endif
