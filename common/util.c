/* util.c - see util.h. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

bool
str_eq(struct str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n == n && memcmp(s.p, lit, n) == 0;
}

bool
str_has_prefix(struct str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n >= n && memcmp(s.p, lit, n) == 0;
}

static uint64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t
util_now_ms(void)
{
	return clock_ns(CLOCK_MONOTONIC) / 1000000ull;
}

uint64_t
util_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

int64_t
util_wall_ns(void)
{
	return (int64_t)clock_ns(CLOCK_REALTIME);
}

int
util_digit_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

int
util_parse_u64(struct str s, int base, uint64_t min, uint64_t max,
               uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s.n == 0 || (base != 10 && base != 16))
		return -1;
	for (i = 0; i < s.n; i++) {
		int d = util_digit_val(s.p[i]);

		if (d >= base)
			return -1;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
util_parse_i64(struct str s, int64_t min, int64_t max, int64_t *out)
{
	uint64_t u;
	bool neg = false;
	int64_t v;

	if (s.n > 0 && s.p[0] == '-') {
		neg = true;
		s.p++;
		s.n--;
	}
	if (util_parse_u64(s, 10, 0, (uint64_t)INT64_MAX + 1, &u) != 0)
		return -1;
	if (!neg && u > (uint64_t)INT64_MAX)
		return -1;
	v = neg ? (int64_t)(0 - u) : (int64_t)u;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

size_t
util_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size > 0) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

/* appends s[0..n) to out, which holds *len bytes; cut at size - 1 */
static void
redact_put(char *out, size_t size, size_t *len, const char *s, size_t n)
{
	if (*len + 1 >= size)
		return;
	if (n > size - 1 - *len)
		n = size - 1 - *len;
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
}

void
util_uri_redact(const char *uri, char *out, size_t size)
{
	const char *hosts = strstr(uri, "://"), *q, *at = NULL, *p;
	size_t len = 0;

	if (size == 0)
		return;
	out[0] = '\0';
	if (strncmp(uri, "mongodb://", 10) != 0 &&
	    strncmp(uri, "mongodb+srv://", 14) != 0) {
		(void)util_strlcpy(out, uri, size); /* cut to size */
		return;
	}
	hosts += 3;
	q = hosts + strcspn(hosts, "?");
	for (p = hosts; p < q; p++) /* user info ends at the last '@' */
		if (*p == '@')
			at = p;
	p = at != NULL ? memchr(hosts, ':', (size_t)(at - hosts)) : NULL;
	if (p != NULL) {
		redact_put(out, size, &len, uri, (size_t)(p + 1 - uri));
		redact_put(out, size, &len, "***", 3);
		redact_put(out, size, &len, at, (size_t)(q - at));
	} else {
		redact_put(out, size, &len, uri, (size_t)(q - uri));
	}
	while (*q != '\0') { /* '?' or '&', then name=value */
		const char *opt = q + 1, *eq, *end;
		bool secret = false;

		end = opt + strcspn(opt, "&");
		eq = memchr(opt, '=', (size_t)(end - opt));
		for (p = opt; eq != NULL && p + 8 <= eq && !secret; p++)
			secret = strncasecmp(p, "password", 8) == 0;
		if (secret) {
			redact_put(out, size, &len, q, (size_t)(eq + 1 - q));
			redact_put(out, size, &len, "***", 3);
		} else {
			redact_put(out, size, &len, q, (size_t)(end - q));
		}
		q = end;
	}
}

void
util_fmt_rfc3339(int64_t ns, char *buf, size_t size)
{
	time_t sec = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	struct tm tm;

	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	if (gmtime_r(&sec, &tm) == NULL) {
		(void)snprintf(buf, size, "invalid");
		return;
	}
	(void)snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ",
	               tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	               tm.tm_min, tm.tm_sec, frac);
}

static int
parse_relative(const char *s, int64_t now_ns, int64_t *out)
{
	char *end;
	double v;
	int64_t unit;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || v < 0)
		return -1;
	if (strcmp(end, "s") == 0)
		unit = 1000000000LL;
	else if (strcmp(end, "m") == 0)
		unit = 60LL * 1000000000LL;
	else if (strcmp(end, "h") == 0)
		unit = 3600LL * 1000000000LL;
	else if (strcmp(end, "d") == 0)
		unit = 86400LL * 1000000000LL;
	else
		return -1;
	if (v > 1e6)
		return -1;
	*out = now_ns - (int64_t)(v * (double)unit);
	return 0;
}

int
util_parse_time(const char *s, int64_t now_ns, int64_t *out_ns)
{
	struct tm tm;
	const char *p;
	int64_t frac = 0, scale = 100000000, off = 0;
	time_t sec;

	if (s[0] != '\0' && strchr(s, 'T') == NULL && strchr(s, 't') == NULL)
		return parse_relative(s, now_ns, out_ns);
	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		p = strptime(s, "%Y-%m-%dt%H:%M:%S", &tm);
	if (p == NULL)
		return -1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		for (; isdigit((unsigned char)*p); p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int hh, mm;

		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2 || hh > 23 ||
		    mm > 59)
			return -1;
		off = (hh * 3600 + mm * 60) * (*p == '+' ? 1 : -1);
		p += 6;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	sec = timegm(&tm);
	if (sec == (time_t)-1)
		return -1;
	*out_ns = ((int64_t)sec - off) * 1000000000LL + frac;
	return 0;
}
