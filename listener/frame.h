/* frame.h - the messages between godo's recorder and its writer process
 * (privilege separation, storelink.h and writer.h), one per datagram on a
 * SOCK_SEQPACKET socketpair, in the spirit of OpenBSD's imsg: a fixed
 * header, then at most FRAME_MAX payload bytes. The receiver trusts
 * nothing: frame_check() refuses a frame whose size, magic, type or
 * length does not hold, and the caller counts the refusal. */
#ifndef GODO_FRAME_H
#define GODO_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FRAME_MAGIC 0x676f6466u /* "godf" */
#define FRAME_MAX (256u << 10)  /* payload bytes: below the socket buffer */

enum frame_type {
	FRAME_BATCH = 1, /* recorder -> writer: store envelopes (store.h) */
	FRAME_REPLAY,    /* recorder -> writer: a spool file, as an fd */
	FRAME_ACK,       /* writer -> recorder: seq done, then its stats */
	FRAME_HELLO,     /* writer -> recorder: struct frame_hello */
	FRAME_NTYPES
};

struct frame_hdr {
	uint32_t magic;
	uint16_t type;
	uint16_t flags; /* 0 */
	uint64_t seq;   /* BATCH/REPLAY: the sender's; ACK: the last done */
	uint32_t len;   /* payload bytes after the header */
	uint32_t pad;   /* 0 */
};

/* What the writer learns from the store at start (a read the recorder
 * must not make itself). */
struct frame_hello {
	int64_t last_run_ns; /* store_last_run's, valid when found == 1 */
	int32_t found;       /* 1 found, 0 none, -1 error, -2 unreachable */
	int32_t updates_scan;
	/* found == -2: why, the URI redacted, NUL-terminated by the sender;
	 * hostile to the receiver (it may come from a subverted writer):
	 * read with frame_hello_why only */
	char why[384];
};

/* Writes a header for a payload of len bytes into h. -1 when len is over
 * FRAME_MAX or type is unknown (logged). */
int frame_hdr_init(struct frame_hdr *h, enum frame_type type, uint64_t seq,
                   size_t len);

/* A received datagram of n bytes: 0 with *h filled and *payload pointing
 * into buf when the frame is well formed (n == sizeof(*h) + h->len, magic,
 * known type, zero flags and pad, len <= FRAME_MAX, and for FRAME_BATCH
 * a payload that is a sequence of BSON documents whose lengths exactly
 * cover it; for FRAME_ACK and FRAME_HELLO the fixed sizes given); -1
 * otherwise (not logged: the caller counts refusals). */
int frame_check(const void *buf, size_t n, size_t ack_len, struct frame_hdr *h,
                const uint8_t **payload);

/* Receipt counters: every refused frame is counted (reported in the
 * writer's failed_ops, see writer.h). */
struct frame_counts {
	uint64_t accepted, refused;
};
/* frame_check, counted in fc. */
int frame_accept(struct frame_counts *fc, const void *buf, size_t n,
                 size_t ack_len, struct frame_hdr *h, const uint8_t **payload);

/* One datagram of a (alen bytes) then b (blen, may be 0), with pass_fd
 * (>= 0) as SCM_RIGHTS. sendmsg(2)'s result: bytes sent, or -1 with
 * errno (not logged: EAGAIN is the caller's normal case). EINTR retried. */
ssize_t frame_send(int sock, const void *a, size_t alen, const void *b,
                   size_t blen, int pass_fd, int flags);
/* One datagram into buf; *fd the descriptor it carried (close-on-exec),
 * else -1; *trunc when the datagram or its control data did not fit (the
 * frame is then to be refused). recvmsg(2)'s result, EINTR retried. */
ssize_t frame_recv(int sock, void *buf, size_t size, int *fd, bool *trunc,
                   int flags);

/* Does buf[0..len) hold whole BSON documents, each length field in
 * [5, what is left] and each ending with a 0 byte? */
bool frame_docs_ok(const uint8_t *buf, size_t len);

/* The writer's reason in h, log-safe (escaped, NUL-terminated even
 * when the sender did not terminate it) into out. Returns out. */
const char *frame_hello_why(const struct frame_hello *h, char *out,
                            size_t outsz);

#endif
