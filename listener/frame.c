/* frame.c - see frame.h. */
#include "frame.h"

#include <string.h>

#include "log.h"

int
frame_hdr_init(struct frame_hdr *h, enum frame_type type, uint64_t seq,
               size_t len)
{
	if (len > FRAME_MAX || type < FRAME_BATCH || type >= FRAME_NTYPES) {
		log_warnx("frame: type %d, %zu bytes: refused", (int)type, len);
		return -1;
	}
	memset(h, 0, sizeof(*h));
	h->magic = FRAME_MAGIC;
	h->type = (uint16_t)type;
	h->seq = seq;
	h->len = (uint32_t)len;
	return 0;
}

bool
frame_docs_ok(const uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		uint32_t n;

		if (len - off < 5)
			return false;
		memcpy(&n, buf + off, sizeof(n)); /* BSON: little endian */
		if (n < 5 || n > len - off || buf[off + n - 1] != 0)
			return false;
		off += n;
	}
	return true;
}

int
frame_check(const void *buf, size_t n, size_t ack_len, struct frame_hdr *h,
            const uint8_t **payload)
{
	const uint8_t *p = buf;

	if (n < sizeof(*h))
		return -1;
	memcpy(h, p, sizeof(*h));
	if (h->magic != FRAME_MAGIC || h->flags != 0 || h->pad != 0 ||
	    h->type < FRAME_BATCH || h->type >= FRAME_NTYPES ||
	    h->len > FRAME_MAX || n - sizeof(*h) != h->len)
		return -1;
	*payload = p + sizeof(*h);
	switch (h->type) {
	case FRAME_BATCH:
		return h->len > 0 && frame_docs_ok(*payload, h->len) ? 0 : -1;
	case FRAME_REPLAY:
		return h->len == 0 ? 0 : -1;
	case FRAME_ACK:
		return h->len == ack_len ? 0 : -1;
	case FRAME_HELLO:
		return h->len == sizeof(struct frame_hello) ? 0 : -1;
	}
	return -1;
}

int
frame_accept(struct frame_counts *fc, const void *buf, size_t n, size_t ack_len,
             struct frame_hdr *h, const uint8_t **payload)
{
	if (frame_check(buf, n, ack_len, h, payload) != 0) {
		fc->refused++;
		return -1;
	}
	fc->accepted++;
	return 0;
}
