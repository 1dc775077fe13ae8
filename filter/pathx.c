/* pathx.c - see pathx.h. Bytes, not C strings: names may hold anything
 * but '/' separators are what the kernel splits on. */
#include "pathx.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

size_t
pathx_clean(const char *p, size_t n, char *out)
{
	bool rooted = n > 0 && p[0] == '/';
	size_t r = 0, w = 0, dotdot = 0;

	if (n == 0) {
		out[0] = '.';
		out[1] = '\0';
		return 1;
	}
	if (rooted) {
		out[w++] = '/';
		r = 1;
		dotdot = 1;
	}
	while (r < n) {
		if (p[r] == '/') {
			r++;
		} else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
			r++;
		} else if (p[r] == '.' && r + 1 < n && p[r + 1] == '.' &&
		           (r + 2 == n || p[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				/* back up to the previous separator */
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			for (; r < n && p[r] != '/'; r++)
				out[w++] = p[r];
		}
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = '\0';
	return w;
}

size_t
pathx_resolve(const char *cwd, size_t cwdn, const char *p, size_t n, char **out)
{
	char *joined, *res;
	size_t jn, rn;

	if ((n > 0 && p[0] == '/') || cwd == NULL || cwdn == 0) {
		joined = fx_calloc(n + 1, 1);
		memcpy(joined, p, n);
		jn = n;
	} else {
		jn = cwdn + 1 + n;
		joined = fx_calloc(jn + 1, 1);
		memcpy(joined, cwd, cwdn);
		joined[cwdn] = '/';
		memcpy(joined + cwdn + 1, p, n);
	}
	res = fx_calloc(jn + 3, 1);
	rn = pathx_clean(joined, jn, res);
	free(joined);
	*out = res;
	return rn;
}
