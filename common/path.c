/* path.c - see path.h. */
#include "path.h"

#include <string.h>

/* Appends element e[0..n) to out (length *len), applying "." and "..". */
static int
push_elem(char *out, size_t outsz, size_t *len, const char *e, size_t n)
{
	if (n == 0 || (n == 1 && e[0] == '.'))
		return 0;
	if (n == 2 && e[0] == '.' && e[1] == '.') {
		while (*len > 1 && out[*len - 1] != '/')
			(*len)--;
		if (*len > 1)
			(*len)--; /* the slash before the removed element */
		return 0;
	}
	if (*len + (*len > 1 ? 1 : 0) + n + 1 > outsz)
		return -1;
	if (*len > 1)
		out[(*len)++] = '/';
	memcpy(out + *len, e, n);
	*len += n;
	return 0;
}

static int
push_path(char *out, size_t outsz, size_t *len, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		while (j < n && p[j] != '/')
			j++;
		if (push_elem(out, outsz, len, p + i, j - i) != 0)
			return -1;
		i = j + 1;
	}
	return 0;
}

long
path_resolve(const char *base, size_t baselen, const char *p, size_t plen,
             char *out, size_t outsz)
{
	size_t len = 1;

	if (outsz < 2)
		return -1;
	out[0] = '/';
	if ((plen == 0 || p[0] != '/') && base != NULL &&
	    push_path(out, outsz, &len, base, baselen) != 0)
		return -1;
	if (push_path(out, outsz, &len, p, plen) != 0)
		return -1;
	out[len] = '\0';
	return (long)len;
}

size_t
path_base(const char *p, size_t n)
{
	size_t i = n;

	while (i > 0 && p[i - 1] != '/')
		i--;
	return i;
}
