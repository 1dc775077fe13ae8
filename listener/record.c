/* record.c - see record.h. The text format is the kernel's audit_log_*()
 * output: "audit(SEC.MSEC:SERIAL): " then space-separated key=value pairs
 * ([K] kernel/audit.c audit_log_start, audit_log_n_untrustedstring). */
#include "record.h"

#include <stdio.h>
#include <string.h>

#include <libaudit.h>

/* A hex digit's value + 1; 0 (the default) marks a byte that is not hex. */
static const signed char hexval[256] = {
    ['0'] = 0 + 1,  ['1'] = 1 + 1,  ['2'] = 2 + 1,  ['3'] = 3 + 1,
    ['4'] = 4 + 1,  ['5'] = 5 + 1,  ['6'] = 6 + 1,  ['7'] = 7 + 1,
    ['8'] = 8 + 1,  ['9'] = 9 + 1,  ['a'] = 10 + 1, ['b'] = 11 + 1,
    ['c'] = 12 + 1, ['d'] = 13 + 1, ['e'] = 14 + 1, ['f'] = 15 + 1,
    ['A'] = 10 + 1, ['B'] = 11 + 1, ['C'] = 12 + 1, ['D'] = 13 + 1,
    ['E'] = 14 + 1, ['F'] = 15 + 1,
};

/* Takes the run of decimal digits at *p (at most end), advancing *p. */
static struct str
take_digits(const char **p, const char *end)
{
	struct str s = {*p, 0};

	while (*p < end && **p >= '0' && **p <= '9')
		(*p)++;
	s.n = (size_t)(*p - s.p);
	return s;
}

int
record_u64(struct str s, int base, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;
	int d;

	if (s.n == 0 || (base == 10 && s.n > 19) || (base == 16 && s.n > 16))
		return -1;
	if (base == 10) {
		for (i = 0; i < s.n; i++) {
			if (s.p[i] < '0' || s.p[i] > '9')
				return -1;
			v = v * 10 + (uint64_t)(s.p[i] - '0');
		}
	} else if (base == 16) {
		for (i = 0; i < s.n; i++) {
			d = hexval[(unsigned char)s.p[i]];
			if (d == 0)
				return -1;
			v = v * 16 + (uint64_t)(d - 1);
		}
	} else {
		return -1;
	}
	*out = v;
	return 0;
}

int
record_parse(struct record *rec, uint16_t type, const char *payload, size_t len)
{
	const char *p, *end;
	struct str sec, msec, serial;
	uint64_t v;

	memset(rec, 0, sizeof(*rec));
	rec->type = type;
	if (payload == NULL)
		return -1;
	rec->payload.p = payload;
	rec->payload.n = len;
	p = payload;
	end = payload + len;
	if (len < 6 || memcmp(p, "audit(", 6) != 0)
		return -1;
	p += 6;
	sec = take_digits(&p, end);
	if (p >= end || *p != '.')
		return -1;
	p++;
	msec = take_digits(&p, end);
	if (p >= end || *p != ':')
		return -1;
	p++;
	serial = take_digits(&p, end);
	if (end - p < 2 || p[0] != ')' || p[1] != ':')
		return -1;
	p += 2;
	if (p < end && *p == ' ')
		p++;
	/* sec * 1e9 + msec * 1e6 must fit int64_t (sysevent's time_ns): at
	 * most RECORD_SEC_MAX, in 2262. Serials above 19 digits are refused
	 * too. */
	if (sec.n > 10 || msec.n > 3 || record_u64(sec, 10, &rec->sec) != 0 ||
	    rec->sec > RECORD_SEC_MAX || record_u64(msec, 10, &v) != 0 ||
	    record_u64(serial, 10, &rec->serial) != 0) {
		rec->sec = 0;
		rec->serial = 0;
		return -1;
	}
	rec->msec = (uint32_t)v;
	rec->body.p = p;
	rec->body.n = (size_t)(end - p);
	return 0;
}

void
record_iter_init(struct record_iter *it, const struct record *rec)
{
	it->p = rec->body.p;
	it->end = rec->body.p + rec->body.n;
	if (it->p == NULL)
		it->end = NULL;
}

bool
record_iter_next(struct record_iter *it, struct str *key, struct str *val)
{
	const char *p = it->p, *end = it->end, *ks, *vs, *q;

	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			break;
		ks = p;
		while (p < end && *p != '=' && *p != ' ')
			p++;
		if (p >= end || *p == ' ')
			continue; /* a token without '=' */
		key->p = ks;
		key->n = (size_t)(p - ks);
		p++;
		vs = p;
		if (p < end && (*p == '"' || *p == '\'')) {
			q = memchr(p + 1, *p, (size_t)(end - p - 1));
			p = q != NULL ? q + 1 : end;
		} else {
			q = memchr(p, ' ', (size_t)(end - p));
			p = q != NULL ? q : end;
		}
		if (key->n == 0)
			continue;
		val->p = vs;
		val->n = (size_t)(p - vs);
		it->p = p;
		return true;
	}
	it->p = end;
	return false;
}

bool
record_find(const struct record *rec, const char *key, struct str *val)
{
	struct record_iter it;
	struct str k;
	size_t kn = strlen(key);

	record_iter_init(&it, rec);
	while (record_iter_next(&it, &k, val))
		if (k.n == kn && memcmp(k.p, key, kn) == 0)
			return true;
	val->p = NULL;
	val->n = 0;
	return false;
}

ssize_t
record_hex_decode(struct str hex, char *buf, size_t cap)
{
	const unsigned char *s = (const unsigned char *)hex.p;
	size_t i, n;

	if (hex.n % 2 != 0)
		return -1;
	n = hex.n / 2;
	if (n > cap)
		return -1;
	for (i = 0; i < n; i++) {
		int hi = hexval[s[2 * i]], lo = hexval[s[2 * i + 1]];

		if (hi == 0 || lo == 0)
			return -1;
		buf[i] = (char)(((hi - 1) << 4) | (lo - 1));
	}
	return (ssize_t)n;
}

/* How the kernel printed an untrusted string (audit_log_n_untrustedstring):
 * quoted text, no value, or hex; RAW is none of them (a hostile or foreign
 * line). */
enum value_form { VF_QUOTED, VF_NONE, VF_HEX, VF_RAW };

static enum value_form
value_form(struct str v)
{
	size_t i;

	if (v.n > 0 && v.p[0] == '"')
		return VF_QUOTED;
	if (STR_IS(v, "(null)") || STR_IS(v, "(none)"))
		return VF_NONE;
	if (v.n % 2 != 0)
		return VF_RAW;
	for (i = 0; i < v.n; i++)
		if (hexval[(unsigned char)v.p[i]] == 0)
			return VF_RAW;
	return VF_HEX;
}

int
record_value(struct str v, char *buf, size_t cap, struct str *out)
{
	ssize_t n;

	out->p = v.p;
	out->n = 0;
	switch (value_form(v)) {
	case VF_QUOTED:
		if (v.n < 2 || v.p[v.n - 1] != '"')
			return -1;
		out->p = v.p + 1;
		out->n = v.n - 2;
		return 1;
	case VF_NONE:
		return 0;
	case VF_HEX:
		n = record_hex_decode(v, buf, cap);
		if (n < 0)
			return -1;
		out->p = buf;
		out->n = (size_t)n;
		return 1;
	case VF_RAW:
	default:
		return -1;
	}
}

/* Copies n bytes of src, at most cap of them; *cut when that was fewer. */
static size_t
copy_cut(char *dst, const char *src, size_t n, size_t cap, bool *cut)
{
	if (n > cap) {
		n = cap;
		*cut = true;
	}
	memcpy(dst, src, n);
	return n;
}

ssize_t
record_value_copy(struct str v, char *buf, size_t cap, bool *cut)
{
	struct str h = v;
	size_t n;

	switch (value_form(v)) {
	case VF_QUOTED:
		n = v.n - 1;
		if (n > 0 && v.p[v.n - 1] == '"')
			n--;
		return (ssize_t)copy_cut(buf, v.p + 1, n, cap, cut);
	case VF_NONE:
		return -1;
	case VF_HEX:
		if (h.n / 2 > cap) {
			h.n = cap * 2;
			*cut = true;
		}
		return record_hex_decode(h, buf, cap);
	case VF_RAW:
	default:
		return (ssize_t)copy_cut(buf, v.p, v.n, cap, cut);
	}
}

ssize_t
record_format_line(uint16_t type, const char *payload, size_t len, char *buf,
                   size_t cap)
{
	const char *name = audit_msg_type_to_name(type);
	char head[64];
	size_t i, hn, need;
	int r;

	if (cap > 0)
		buf[0] = '\0';
	if (payload == NULL)
		len = 0;
	while (len > 0 && payload[len - 1] == '\0')
		len--;
	if (name != NULL)
		r = snprintf(head, sizeof(head), "type=%.40s msg=", name);
	else
		r = snprintf(head, sizeof(head),
		             "type=UNKNOWN[%u] msg=", (unsigned int)type);
	if (r < 0 || (size_t)r >= sizeof(head))
		return -1;
	hn = (size_t)r;
	need = hn + len + 1; /* + '\n' */
	if (need >= cap)
		return -1;
	memcpy(buf, head, hn);
	for (i = 0; i < len; i++) {
		char c = payload[i];

		buf[hn + i] = (c == '\n' || c == '\0') ? '?' : c;
	}
	buf[hn + len] = '\n';
	buf[need] = '\0';
	return (ssize_t)need;
}

int
record_parse_line(const char *line, size_t len, uint16_t *type,
                  struct str *payload)
{
	const char *p = line, *end, *ns, *sp;
	char name[64];
	uint64_t v;
	size_t n;
	int t;

	if (line == NULL)
		return -1;
	end = line + len;
	while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#')
		return 1;
	if (end - p > 5 && memcmp(p, "node=", 5) == 0) {
		sp = memchr(p, ' ', (size_t)(end - p));
		if (sp == NULL)
			return -1;
		p = sp + 1;
	}
	if (end - p < 5 || memcmp(p, "type=", 5) != 0)
		return -1;
	p += 5;
	ns = p;
	sp = memchr(p, ' ', (size_t)(end - p));
	if (sp == NULL || end - sp < 5 || memcmp(sp, " msg=", 5) != 0)
		return -1;
	n = (size_t)(sp - ns);
	if (n == 0 || n >= sizeof(name))
		return -1;
	if (n > 9 && memcmp(ns, "UNKNOWN[", 8) == 0 && ns[n - 1] == ']') {
		struct str d = {ns + 8, n - 9};

		if (util_parse_u64(d, 10, 1, UINT16_MAX, &v) != 0)
			return -1;
		t = (int)v;
	} else {
		memcpy(name, ns, n);
		name[n] = '\0';
		t = audit_name_to_msg_type(name);
		if (t <= 0 || t > UINT16_MAX)
			return -1;
	}
	*type = (uint16_t)t;
	payload->p = sp + 5;
	payload->n = (size_t)(end - (sp + 5));
	return 0;
}
