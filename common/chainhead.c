/* chainhead.c - see chainhead.h. */
#include "chainhead.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void
chain_head_format(const struct chain_head *h, char *out, size_t n)
{
	char hex[2 * DIGEST_LEN + 1];

	digest_hex(h->dg, hex);
	snprintf(out, n, "run=%s seq=%" PRIu64 " dg=%s", h->run, h->seq, hex);
}

/* The value of "name=" in s (space-separated), or false. */
static bool
field(const char *s, size_t n, const char *name, const char **v, size_t *vn)
{
	size_t nl = strlen(name), i = 0, j;

	while (i < n) {
		for (j = i; j < n && s[j] != ' ' && s[j] != '\n'; j++)
			;
		if (j - i > nl && memcmp(s + i, name, nl) == 0 &&
		    s[i + nl] == '=') {
			*v = s + i + nl + 1;
			*vn = j - i - nl - 1;
			return true;
		}
		i = j + 1;
	}
	return false;
}

int
chain_head_parse(const char *s, size_t n, struct chain_head *out)
{
	const char *run, *seq, *dg;
	size_t rn, sn, dn, i;
	uint64_t v = 0;

	memset(out, 0, sizeof(*out));
	if (!field(s, n, "run", &run, &rn) || !field(s, n, "seq", &seq, &sn) ||
	    !field(s, n, "dg", &dg, &dn) || rn == 0 || rn >= CHAIN_RUN_MAX ||
	    sn == 0 || sn > 19 || !digest_from_hex(dg, dn, out->dg))
		return -1;
	for (i = 0; i < sn; i++) {
		if (seq[i] < '0' || seq[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(seq[i] - '0');
	}
	memcpy(out->run, run, rn);
	out->run[rn] = '\0';
	out->seq = v;
	return 0;
}
