/* test_frame.c - the recorder/writer frames (frame.h): a well formed
 * frame is taken, every malformed one (size, magic, type, flags, length,
 * BSON lengths inside a batch, fixed sizes) is refused and counted, also
 * after a trip through a real SOCK_SEQPACKET socketpair. No root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame.h"

#define ACK_LEN 40

/* {"a": 1} as BSON: 12 bytes */
static const uint8_t doc[] = {12, 0, 0, 0, 0x10, 'a', 0, 1, 0, 0, 0, 0};

static size_t
batch(uint8_t *buf, int ndocs)
{
	struct frame_hdr h;
	int i;

	assert_int_equal(
	    frame_hdr_init(&h, FRAME_BATCH, 7, (size_t)ndocs * sizeof(doc)), 0);
	memcpy(buf, &h, sizeof(h));
	for (i = 0; i < ndocs; i++)
		memcpy(buf + sizeof(h) + (size_t)i * sizeof(doc), doc,
		       sizeof(doc));
	return sizeof(h) + (size_t)ndocs * sizeof(doc);
}

static void
test_frame_good_batch(void **state)
{
	uint8_t buf[256];
	struct frame_counts fc = {0, 0};
	struct frame_hdr h;
	const uint8_t *p;
	size_t n = batch(buf, 3);

	(void)state;
	assert_int_equal(frame_accept(&fc, buf, n, ACK_LEN, &h, &p), 0);
	assert_int_equal(h.type, FRAME_BATCH);
	assert_int_equal(h.seq, 7);
	assert_int_equal(h.len, 3 * sizeof(doc));
	assert_ptr_equal(p, buf + sizeof(h));
	assert_int_equal(fc.accepted, 1);
	assert_int_equal(fc.refused, 0);
}

/* Each corruption of a good batch, one at a time. */
static void
test_frame_malformed_refused_and_counted(void **state)
{
	uint8_t good[256], buf[256];
	struct frame_counts fc = {0, 0};
	struct frame_hdr h, *hp = (struct frame_hdr *)buf;
	const uint8_t *p;
	size_t n = batch(good, 2), off = sizeof(struct frame_hdr);
	int k = 0;

	(void)state;
#define BAD(expr, len)                                                         \
	do {                                                                   \
		memcpy(buf, good, sizeof(good));                               \
		expr;                                                          \
		assert_int_equal(                                              \
		    frame_accept(&fc, buf, (len), ACK_LEN, &h, &p), -1);       \
		k++;                                                           \
	} while (0)
	BAD((void)0, 3);                        /* shorter than a header */
	BAD((void)0, n - 1);                    /* cut */
	BAD((void)0, n + 1);                    /* longer than said */
	BAD(hp->magic ^= 1, n);                 /* magic */
	BAD(hp->type = 0, n);                   /* type */
	BAD(hp->type = FRAME_NTYPES, n);        /* type */
	BAD(hp->flags = 1, n);                  /* flags */
	BAD(hp->pad = 1, n);                    /* pad */
	BAD(hp->len = FRAME_MAX + 1, n);        /* length */
	BAD(hp->len = 0xffffffffu, n);          /* length */
	BAD(buf[off] = 200, n);                 /* doc over the end */
	BAD(buf[off] = 4, n);                   /* doc under 5 */
	BAD(buf[off + sizeof(doc) - 1] = 1, n); /* no trailing 0 */
	BAD(hp->type = FRAME_ACK, n);           /* ack of a bad size */
	BAD(hp->type = FRAME_HELLO, n);         /* hello of a bad size */
	BAD(hp->type = FRAME_REPLAY, n);        /* replay with payload */
	BAD((hp->len = 0, hp->type = FRAME_BATCH), off); /* empty batch */
#undef BAD
	assert_int_equal(fc.refused, (uint64_t)k);
	assert_int_equal(fc.accepted, 0);
}

static void
test_frame_init_bounds(void **state)
{
	struct frame_hdr h;

	(void)state;
	assert_int_equal(frame_hdr_init(&h, FRAME_BATCH, 1, FRAME_MAX), 0);
	assert_int_equal(frame_hdr_init(&h, FRAME_BATCH, 1, FRAME_MAX + 1), -1);
	assert_int_equal(frame_hdr_init(&h, (enum frame_type)0, 1, 0), -1);
	assert_int_equal(frame_hdr_init(&h, FRAME_NTYPES, 1, 0), -1);
	assert_true(frame_docs_ok(doc, sizeof(doc)));
	assert_false(frame_docs_ok(doc, sizeof(doc) - 1));
	assert_true(frame_docs_ok(doc, 0));
}

/* Through the kernel: datagram boundaries hold, a forged frame is refused
 * on receipt and the next good one still taken. */
static void
test_frame_over_socketpair(void **state)
{
	uint8_t good[256], bad[256], rx[512];
	struct frame_counts fc = {0, 0};
	struct frame_hdr h;
	const uint8_t *p;
	size_t n = batch(good, 2);
	int sv[2];
	ssize_t r;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	memcpy(bad, good, n);
	((struct frame_hdr *)bad)->len += 12; /* says more than it has */
	assert_int_equal(send(sv[0], bad, n, 0), (ssize_t)n);
	assert_int_equal(send(sv[0], good, n, 0), (ssize_t)n);
	r = recv(sv[1], rx, sizeof(rx), 0);
	assert_int_equal(r, (ssize_t)n);
	assert_int_equal(frame_accept(&fc, rx, (size_t)r, ACK_LEN, &h, &p), -1);
	r = recv(sv[1], rx, sizeof(rx), 0);
	assert_int_equal(frame_accept(&fc, rx, (size_t)r, ACK_LEN, &h, &p), 0);
	assert_int_equal(fc.refused, 1);
	assert_int_equal(fc.accepted, 1);
	close(sv[0]);
	close(sv[1]);
}

/* A writer's reason for a failed start reaches the recorder's error line:
 * a subverted writer's unterminated, control-laden text stays bounded and
 * cannot forge a log line. */
static void
test_frame_hello_why_safe(void **state)
{
	struct frame_hello h;
	char out[sizeof(h.why) * 4 + 8];

	(void)state;
	memset(&h, 0, sizeof(h));
	strcpy(h.why, "store mongodb://u:***@h/ unreachable: x");
	assert_string_equal(frame_hello_why(&h, out, sizeof(out)),
	                    "store mongodb://u:***@h/ unreachable: x");
	memset(h.why, 'A', sizeof(h.why)); /* no NUL at all */
	h.why[3] = '\n';
	frame_hello_why(&h, out, sizeof(out));
	assert_null(strchr(out, '\n'));
	assert_true(strlen(out) >= sizeof(h.why) - 1);
	assert_true(strlen(out) < sizeof(out));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frame_good_batch),
	    cmocka_unit_test(test_frame_malformed_refused_and_counted),
	    cmocka_unit_test(test_frame_init_bounds),
	    cmocka_unit_test(test_frame_over_socketpair),
	    cmocka_unit_test(test_frame_hello_why_safe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
