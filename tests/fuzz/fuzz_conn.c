/* fuzz_conn.c - libFuzzer target for procconn_decode (procconn.c): the input
 * is one proc connector datagram as recv() would return it, copied to an
 * odd address too, since the decoder must not assume alignment. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procconn.h"

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			        __LINE__, #c);                                 \
			abort();                                               \
		}                                                              \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct procconn_event ev, ev2;
	unsigned char *odd;
	int rc, rc2;

	rc = procconn_decode(data, size, &ev);
	if (rc == 0) {
		CHECK(ev.what <= PROCCONN_ACK);
		CHECK(memchr(ev.comm, '\0', sizeof(ev.comm)) != NULL);
	} else {
		CHECK(rc == -1);
	}
	odd = malloc(size + 1);
	CHECK(odd != NULL);
	if (size > 0)
		memcpy(odd + 1, data, size);
	rc2 = procconn_decode(odd + 1, size, &ev2);
	CHECK(rc2 == rc);
	if (rc == 0)
		CHECK(memcmp(&ev, &ev2, sizeof(ev)) == 0);
	free(odd);
	return 0;
}
