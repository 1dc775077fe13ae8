/* chainhead.h - the head of a godo run's chain (docs/schema.md, "Chain"):
 * the run, the sequence number of its last sealed link and that link's
 * digest. godo saves it to its state directory and logs it; filter -verify
 * takes it back (-chain-head) to see whether the newest links are gone.
 * Text form: "run=<run> seq=<n> dg=<64 hex digits>". */
#ifndef GODO_CHAINHEAD_H
#define GODO_CHAINHEAD_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"

#define CHAIN_RUN_MAX 384 /* host (255), boot id, pid, start */

struct chain_head {
	char run[CHAIN_RUN_MAX]; /* "" when none */
	uint64_t seq;
	unsigned char dg[DIGEST_LEN];
};

void chain_head_format(const struct chain_head *h, char *out, size_t n);
/* The text form (trailing newline allowed; fields in any order). -1 when
 * a field is missing or malformed. */
int chain_head_parse(const char *s, size_t n, struct chain_head *out);

#endif
