/* test_nlrecv.c - the netlink receive helper over AF_UNIX datagram socket
 * pairs: no netlink, no root. A unix peer is not the kernel, which is what
 * the sender checks are tested with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "log.h"
#include "nlrecv.h"

struct seen {
	unsigned int n;
	char first[8][64];
	size_t len[8];
	bool truncated[8], from_kernel[8], aligned;
};

static void
collect(const struct nlrecv_msg *m, void *arg)
{
	struct seen *s = arg;

	if (((uintptr_t)m->b % sizeof(max_align_t)) != 0)
		s->aligned = false;
	if (s->n < 8) {
		memcpy(s->first[s->n], m->b, m->n < 63 ? m->n : 63);
		s->len[s->n] = m->n;
		s->truncated[s->n] = m->truncated;
		s->from_kernel[s->n] = m->from_kernel;
	}
	s->n++;
}

static void
pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
}

static void
send_n(int fd, unsigned int count)
{
	char b[32];
	unsigned int i;
	int n;

	for (i = 0; i < count; i++) {
		n = snprintf(b, sizeof(b), "msg%u", i);
		assert_int_equal(send(fd, b, (size_t)n, 0), n);
	}
}

static int
setup(void **state)
{
	(void)state;
	log_init("test", LOG_LVL_ERROR); /* the error paths log on purpose */
	return 0;
}

static void
test_nlrecv_read_in_order(void **state)
{
	struct seen s = {.aligned = true};
	struct nlrecv *r = nlrecv_new("t", 4, 128);
	uint64_t over = 0;
	int sv[2];

	(void)state;
	assert_non_null(r);
	pair(sv);
	send_n(sv[1], 6);
	assert_int_equal(nlrecv_read(r, sv[0], 100, collect, &s, &over), 6);
	assert_int_equal(s.n, 6);
	assert_string_equal(s.first[0], "msg0");
	assert_string_equal(s.first[5], "msg5");
	assert_int_equal(s.len[5], 4);
	assert_false(s.truncated[0]);
	assert_false(s.from_kernel[0]); /* a unix peer */
	assert_true(s.aligned);
	assert_int_equal(over, 0);
	nlrecv_free(r);
	close(sv[0]);
	close(sv[1]);
}

static void
test_nlrecv_read_empty_is_zero(void **state)
{
	struct seen s = {.aligned = true};
	struct nlrecv *r = nlrecv_new("t", 2, 64);
	uint64_t over = 0;
	int sv[2];

	(void)state;
	pair(sv);
	assert_int_equal(nlrecv_read(r, sv[0], 10, collect, &s, &over), 0);
	assert_int_equal(s.n, 0);
	nlrecv_free(r);
	close(sv[0]);
	close(sv[1]);
}

/* The budget stops reading; what is left stays queued for the next call. */
static void
test_nlrecv_read_budget(void **state)
{
	struct seen s = {.aligned = true};
	struct nlrecv *r = nlrecv_new("t", 1, 64);
	uint64_t over = 0;
	int sv[2];

	(void)state;
	pair(sv);
	send_n(sv[1], 5);
	assert_int_equal(nlrecv_read(r, sv[0], 3, collect, &s, &over), 3);
	assert_int_equal(s.n, 3);
	assert_int_equal(nlrecv_read(r, sv[0], 3, collect, &s, &over), 2);
	assert_string_equal(s.first[4], "msg4");
	nlrecv_free(r);
	close(sv[0]);
	close(sv[1]);
}

/* A batch that comes back short means the queue is empty: no further
 * recvmmsg, even with budget left. */
static void
test_nlrecv_read_batches(void **state)
{
	struct seen s = {.aligned = true};
	struct nlrecv *r = nlrecv_new("t", 4, 64);
	uint64_t over = 0;
	int sv[2];

	(void)state;
	pair(sv);
	send_n(sv[1], 9); /* 4 + 4 + 1 */
	assert_int_equal(nlrecv_read(r, sv[0], 1000, collect, &s, &over), 9);
	assert_string_equal(s.first[7], "msg7");
	nlrecv_free(r);
	close(sv[0]);
	close(sv[1]);
}

static void
test_nlrecv_read_truncated(void **state)
{
	struct seen s = {.aligned = true};
	struct nlrecv *r = nlrecv_new("t", 2, 8);
	char big[40];
	uint64_t over = 0;
	int sv[2];

	(void)state;
	pair(sv);
	memset(big, 'x', sizeof(big));
	assert_int_equal(send(sv[1], big, sizeof(big), 0), sizeof(big));
	assert_int_equal(send(sv[1], "12345678", 8, 0), 8);
	assert_int_equal(nlrecv_read(r, sv[0], 10, collect, &s, &over), 2);
	assert_true(s.truncated[0]);
	assert_int_equal(s.len[0], 8);
	assert_false(s.truncated[1]); /* exactly the buffer: not cut */
	assert_int_equal(s.len[1], 8);
	nlrecv_free(r);
	close(sv[0]);
	close(sv[1]);
}

static void
test_nlrecv_read_bad_fd(void **state)
{
	struct seen s = {.aligned = true};
	struct nlrecv *r = nlrecv_new("t", 2, 64);
	uint64_t over = 0;

	(void)state;
	assert_int_equal(nlrecv_read(r, -1, 10, collect, &s, &over), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(s.n, 0);
	nlrecv_free(r);
}

static void
test_nlrecv_new_bounds(void **state)
{
	(void)state;
	assert_null(nlrecv_new("t", 0, 64));
	assert_null(nlrecv_new("t", NLRECV_BATCH_MAX + 1, 64));
	assert_null(nlrecv_new("t", 1, 0));
	assert_null(nlrecv_new("t", 1, NLRECV_MSG_MAX + 1));
	nlrecv_free(NULL);
}

/* Only the kernel's replies count: a unix peer's datagram is skipped and
 * the wait ends in a timeout. */
static void
test_nlrecv_wait_skips_other_senders(void **state)
{
	char b[64];
	int sv[2];

	(void)state;
	pair(sv);
	send_n(sv[1], 2);
	errno = 0;
	assert_int_equal(nlrecv_wait(sv[0], b, sizeof(b), 20, "t"), 0);
	assert_int_equal(errno, ETIMEDOUT);
	/* both were consumed while waiting */
	assert_int_equal(nlrecv_drain(sv[0]), 0);
	close(sv[0]);
	close(sv[1]);
}

static void
test_nlrecv_wait_bad_fd(void **state)
{
	char b[16];
	int sv[2];

	(void)state;
	pair(sv);
	close(sv[1]);
	close(sv[0]);
	assert_int_equal(nlrecv_wait(sv[0], b, sizeof(b), 20, "t"), -1);
}

/* At most 256 datagrams per call, so a flood cannot hold the caller. */
static void
test_nlrecv_drain_counts_and_caps(void **state)
{
	struct seen s = {.aligned = true};
	struct nlrecv *r = nlrecv_new("t", 4, 64);
	uint64_t over = 0;
	unsigned int sent = 0;
	int sv[2];

	(void)state;
	pair(sv);
	send_n(sv[1], 3);
	assert_int_equal(nlrecv_drain(sv[0]), 3);
	assert_int_equal(nlrecv_read(r, sv[0], 10, collect, &s, &over), 0);
	while (sent < 300 && send(sv[1], "x", 1, MSG_DONTWAIT) == 1)
		sent++;
	if (sent > 256) {
		assert_int_equal(nlrecv_drain(sv[0]), 256);
		assert_int_equal(nlrecv_drain(sv[0]), sent - 256);
	} else {
		assert_int_equal(nlrecv_drain(sv[0]), sent);
	}
	assert_int_equal(nlrecv_drain(sv[0]), 0);
	nlrecv_free(r);
	close(sv[0]);
	close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nlrecv_read_in_order),
	    cmocka_unit_test(test_nlrecv_read_empty_is_zero),
	    cmocka_unit_test(test_nlrecv_read_budget),
	    cmocka_unit_test(test_nlrecv_read_batches),
	    cmocka_unit_test(test_nlrecv_read_truncated),
	    cmocka_unit_test(test_nlrecv_read_bad_fd),
	    cmocka_unit_test(test_nlrecv_new_bounds),
	    cmocka_unit_test(test_nlrecv_wait_skips_other_senders),
	    cmocka_unit_test(test_nlrecv_wait_bad_fd),
	    cmocka_unit_test(test_nlrecv_drain_counts_and_caps),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
