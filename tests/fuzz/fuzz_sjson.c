/* fuzz_sjson.c - libFuzzer target for the conversion of FerretDB's stored
 * rows (filter/sjson.c, sjson_fast.c, over sjtok.c): rows are evidence and
 * may be anything. Properties, not just "no crash":
 *  - a row sjson_to_bson takes is valid BSON (bson_validate), and a
 *    refused one has a message;
 *  - the one-pass conversion and the reference agree: whatever the fast
 *    one takes, the reference takes too, with the same document. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sjson.h"
#include "sjson_priv.h"

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
	/* an exact copy: ASan sees any read past the row */
	char *row = malloc(size ? size : 1), err[SJSON_ERR_MAX];
	struct ctx c = {{row, size, err}, NULL, NULL};
	bson_t out, fast, ref;
	size_t off;
	int rc;

	CHECK(row != NULL);
	memcpy(row, data, size);
	bson_init(&out);
	rc = sjson_to_bson(row, size, NULL, NULL, &out, err);
	CHECK(rc == 0 || err[0] != '\0');
	if (rc == 0)
		CHECK(bson_validate(&out, BSON_VALIDATE_NONE, &off));
	if (size > 0) {
		bson_init(&fast);
		bson_init(&ref);
		err[0] = '\0';
		if (sj_fast(&c, &fast) == 0) {
			err[0] = '\0';
			CHECK(sj_reference(&c, &ref) == 0);
			CHECK(bson_equal(&fast, &ref));
			CHECK(rc == 0 && bson_equal(&fast, &out));
		}
		bson_destroy(&fast);
		bson_destroy(&ref);
	}
	bson_destroy(&out);
	free(row);
	return 0;
}
