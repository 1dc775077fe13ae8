/* nlrecv.c - see nlrecv.h. recvmmsg with MSG_TRUNC reports a datagram's
 * real length, so a cut one is told apart from one that fits exactly. The
 * batch buffers are strided to max_align_t so that every datagram can be
 * read as a struct nlmsghdr in place. */
#include "nlrecv.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "log.h"

#define DRAIN_MAX 256
#define DRAIN_BUF 9000 /* MAX_AUDIT_MESSAGE_LENGTH + header, rounded up */

struct nlrecv {
	const char *what;
	unsigned int batch;
	size_t msg_size, stride;
	struct mmsghdr mh[NLRECV_BATCH_MAX];
	struct iovec iov[NLRECV_BATCH_MAX];
	struct sockaddr_nl from[NLRECV_BATCH_MAX];
	max_align_t data[]; /* batch * stride bytes */
};

struct nlrecv *
nlrecv_new(const char *what, unsigned int batch, size_t msg_size)
{
	const size_t align = sizeof(max_align_t);
	size_t stride = (msg_size + align - 1) / align * align;
	struct nlrecv *r;

	if (batch < 1 || batch > NLRECV_BATCH_MAX || msg_size < 1 ||
	    msg_size > NLRECV_MSG_MAX) {
		log_warnx("%s: receive batch %u x %zu bytes out of range", what,
		          batch, msg_size);
		return NULL;
	}
	/* One block: the header, then the datagram buffers. */
	r = calloc(1, sizeof(*r) + batch * stride);
	if (r == NULL) {
		log_warn("%s: receive buffers", what);
		return NULL;
	}
	r->what = what;
	r->batch = batch;
	r->msg_size = msg_size;
	r->stride = stride;
	return r;
}

void
nlrecv_free(struct nlrecv *r)
{
	free(r);
}

/* The headers are rewritten before every call: recvmmsg updates
 * msg_namelen and msg_flags in place. */
static void
batch_prepare(struct nlrecv *r)
{
	unsigned int i;

	for (i = 0; i < r->batch; i++) {
		r->iov[i].iov_base = (char *)r->data + (size_t)i * r->stride;
		r->iov[i].iov_len = r->msg_size;
		memset(&r->mh[i], 0, sizeof(r->mh[i]));
		r->mh[i].msg_hdr.msg_name = &r->from[i];
		r->mh[i].msg_hdr.msg_namelen = sizeof(r->from[i]);
		r->mh[i].msg_hdr.msg_iov = &r->iov[i];
		r->mh[i].msg_hdr.msg_iovlen = 1;
	}
}

static bool
sender_is_kernel(const struct sockaddr_nl *sa, socklen_t len)
{
	return len >= sizeof(*sa) && sa->nl_family == AF_NETLINK &&
	       sa->nl_pid == 0;
}

static void
batch_deliver(struct nlrecv *r, unsigned int got, nlrecv_fn *fn, void *arg)
{
	struct nlrecv_msg m;
	unsigned int i;

	for (i = 0; i < got; i++) {
		const struct msghdr *h = &r->mh[i].msg_hdr;

		m.b = r->iov[i].iov_base;
		m.truncated = (h->msg_flags & MSG_TRUNC) != 0 ||
		              r->mh[i].msg_len > r->msg_size;
		m.n = m.truncated ? r->msg_size : r->mh[i].msg_len;
		m.from_kernel = sender_is_kernel(&r->from[i], h->msg_namelen);
		fn(&m, arg);
	}
}

ssize_t
nlrecv_read(struct nlrecv *r, int fd, unsigned int budget, nlrecv_fn *fn,
            void *arg, uint64_t *overruns)
{
	ssize_t handled = 0;
	int n;

	while ((size_t)handled < budget) {
		batch_prepare(r);
		n = recvmmsg(fd, r->mh, r->batch, MSG_DONTWAIT | MSG_TRUNC,
		             NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				(*overruns)++;
				continue;
			}
			log_warn("%s: recv", r->what);
			return -1;
		}
		batch_deliver(r, (unsigned int)n, fn, arg);
		handled += n;
		if ((unsigned int)n < r->batch)
			break;
	}
	return handled;
}

ssize_t
nlrecv_wait(int fd, void *buf, size_t cap, int timeout_ms, const char *what)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	struct sockaddr_nl sa;
	socklen_t salen;
	ssize_t n;
	int rc;

	for (;;) {
		rc = poll(&pfd, 1, timeout_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			log_warn("%s: poll", what);
			return -1;
		}
		if (rc == 0) {
			errno = ETIMEDOUT;
			return 0;
		}
		salen = sizeof(sa);
		n = recvfrom(fd, buf, cap, MSG_DONTWAIT, (struct sockaddr *)&sa,
		             &salen);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == ENOBUFS)
				continue;
			log_warn("%s: recv", what);
			return -1;
		}
		if (n > 0 && sender_is_kernel(&sa, salen))
			return n;
	}
}

unsigned int
nlrecv_drain(int fd)
{
	char b[DRAIN_BUF];
	unsigned int i;

	for (i = 0; i < DRAIN_MAX; i++)
		if (recv(fd, b, sizeof(b), MSG_DONTWAIT) < 0)
			break;
	return i;
}
