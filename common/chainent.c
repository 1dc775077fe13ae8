/* chainent.c - see chainent.h. */
#include "chainent.h"

#include <string.h>

size_t
chainent_size(size_t coll_len, size_t id_len)
{
	if (coll_len == 0 || coll_len > CHAINENT_COLL_MAX || id_len == 0 ||
	    id_len > CHAINENT_ID_MAX)
		return 0;
	return 1 + coll_len + 2 + id_len + DIGEST_LEN;
}

size_t
chainent_put(unsigned char *out, const char *coll, size_t coll_len,
             const char *id, size_t id_len, const unsigned char d[DIGEST_LEN])
{
	size_t n = chainent_size(coll_len, id_len), o = 0;

	if (n == 0)
		return 0;
	out[o++] = (unsigned char)coll_len;
	memcpy(out + o, coll, coll_len);
	o += coll_len;
	out[o++] = (unsigned char)(id_len >> 8);
	out[o++] = (unsigned char)(id_len & 0xff);
	memcpy(out + o, id, id_len);
	o += id_len;
	memcpy(out + o, d, DIGEST_LEN);
	return n;
}

int
chainent_next(const unsigned char *p, size_t n, size_t *off, struct chainent *e)
{
	size_t o = *off, clen, ilen;

	if (o >= n)
		return 0;
	clen = p[o];
	/* every length is checked against what is left before it is used */
	if (clen == 0 || clen > CHAINENT_COLL_MAX || n - o < 1 + clen + 2)
		return -1;
	ilen = (size_t)p[o + 1 + clen] << 8 | p[o + 2 + clen];
	if (ilen == 0 || ilen > CHAINENT_ID_MAX ||
	    n - o - 1 - clen - 2 < ilen + DIGEST_LEN)
		return -1;
	e->coll = (const char *)p + o + 1;
	e->coll_len = clen;
	e->id = (const char *)p + o + 3 + clen;
	e->id_len = ilen;
	e->d = p + o + 3 + clen + ilen;
	*off = o + 3 + clen + ilen + DIGEST_LEN;
	return 1;
}
