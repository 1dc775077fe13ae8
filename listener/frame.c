/* frame.c - see frame.h. */
#include "frame.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "esc.h"
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

union frame_cmsg {
	char b[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

ssize_t
frame_send(int sock, const void *a, size_t alen, const void *b, size_t blen,
           int pass_fd, int flags)
{
	struct iovec iov[2] = {{(void *)a, alen}, {(void *)b, blen}};
	union frame_cmsg cm;
	struct msghdr m = {0};
	ssize_t w;

	m.msg_iov = iov;
	m.msg_iovlen = blen > 0 ? 2 : 1;
	if (pass_fd >= 0) {
		struct cmsghdr *c;

		memset(&cm, 0, sizeof(cm));
		m.msg_control = cm.b;
		m.msg_controllen = sizeof(cm.b);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	do
		w = sendmsg(sock, &m, flags | MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	return w;
}

ssize_t
frame_recv(int sock, void *buf, size_t size, int *fd, bool *trunc, int flags)
{
	struct iovec iov = {buf, size};
	union frame_cmsg cm;
	struct msghdr m = {0};
	struct cmsghdr *c;
	ssize_t r;

	*fd = -1;
	*trunc = false;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cm.b;
	m.msg_controllen = sizeof(cm.b);
	do
		r = recvmsg(sock, &m, flags | MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return r;
	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
		int got;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len != CMSG_LEN(sizeof(int)))
			continue;
		memcpy(&got, CMSG_DATA(c), sizeof(int));
		if (*fd < 0)
			*fd = got;
		else
			(void)close(got); /* one per frame */
	}
	*trunc = (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
	return r;
}

const char *
frame_hello_why(const struct frame_hello *h, char *out, size_t outsz)
{
	return esc_log(h->why, strnlen(h->why, sizeof(h->why)), out, outsz);
}
