/* flags.c - see flags.h. */
#include "flags.h"

#include "log.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const struct flag *
find(const struct flag *tab, int n, const char *name, size_t len)
{
	int i;

	for (i = 0; i < n; i++) {
		if (strlen(tab[i].name) == len &&
		    strncmp(tab[i].name, name, len) == 0)
			return &tab[i];
		if (tab[i].alias != NULL && strlen(tab[i].alias) == len &&
		    strncmp(tab[i].alias, name, len) == 0)
			return &tab[i];
	}
	return NULL;
}

static int
set_value(const struct flag *f, const char *v)
{
	char *end;

	switch (f->type) {
	case FLAG_BOOL:
		if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
			*(bool *)f->dst = true;
		else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
			*(bool *)f->dst = false;
		else
			return -1;
		return 0;
	case FLAG_STR:
		*(const char **)f->dst = v;
		return 0;
	case FLAG_INT: {
		long l;

		errno = 0;
		l = strtol(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || l < INT_MIN ||
		    l > INT_MAX)
			return -1;
		*(int *)f->dst = (int)l;
		return 0;
	}
	case FLAG_U64: {
		unsigned long long u;
		uint64_t mul = 1;

		if (v[0] == '-')
			return -1;
		errno = 0;
		u = strtoull(v, &end, 10);
		if (errno != 0 || end == v)
			return -1;
		/* sizes may carry a binary suffix: 64K, 8M, 1G */
		if (*end == 'K' || *end == 'k')
			mul = 1024, end++;
		else if (*end == 'M' || *end == 'm')
			mul = 1024 * 1024, end++;
		else if (*end == 'G' || *end == 'g')
			mul = 1024 * 1024 * 1024, end++;
		if (*end != '\0' || (u != 0 && mul > UINT64_MAX / u))
			return -1;
		*(uint64_t *)f->dst = (uint64_t)u * mul;
		return 0;
	}
	}
	return -1;
}

int
flags_parse(const struct flag *tab, int n, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *name, *eq;
		const struct flag *f;
		size_t len;

		if (strcmp(a, "--") == 0)
			return i + 1;
		if (a[0] != '-' || a[1] == '\0')
			return i;
		name = a + 1;
		if (name[0] == '-')
			name++;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		if ((len == 1 && name[0] == 'h') ||
		    (len == 4 && strncmp(name, "help", 4) == 0))
			return FLAGS_HELP;
		f = find(tab, n, name, len);
		if (f == NULL) {
			(void)fprintf(
			    stderr, "%s: error: unknown flag: -%.*s (see -h)\n",
			    log_name(), (int)len, name);
			return -1;
		}
		if (eq != NULL) {
			if (set_value(f, eq + 1) != 0)
				goto bad;
		} else if (f->type == FLAG_BOOL) {
			*(bool *)f->dst = true;
		} else {
			if (i + 1 >= argc) {
				(void)fprintf(
				    stderr,
				    "%s: error: flag -%s needs a value\n",
				    log_name(), f->name);
				return -1;
			}
			if (set_value(f, argv[++i]) != 0)
				goto bad;
		}
		continue;
	bad:
		(void)fprintf(stderr, "%s: error: bad value for flag -%s: %s\n",
		              log_name(), f->name, eq ? eq + 1 : argv[i]);
		return -1;
	}
	return argc;
}

void
flags_usage(FILE *out, const char *synopsis, const struct flag *tab, int n)
{
	int i;

	fprintf(out,
	        "usage: %s\n\nflags (-name=value, -name value, "
	        "--name value):\n",
	        synopsis);
	for (i = 0; i < n; i++) {
		char def[64] = "";

		switch (tab[i].type) {
		case FLAG_STR:
			if (*(const char **)tab[i].dst != NULL)
				snprintf(def, sizeof(def), " (default %s)",
				         *(const char **)tab[i].dst);
			break;
		case FLAG_INT:
			snprintf(def, sizeof(def), " (default %d)",
			         *(int *)tab[i].dst);
			break;
		case FLAG_U64:
			snprintf(def, sizeof(def), " (default %" PRIu64 ")",
			         *(uint64_t *)tab[i].dst);
			break;
		case FLAG_BOOL:
			break;
		}
		fprintf(out, "  -%s%s%s%s\n      %s%s\n", tab[i].name,
		        tab[i].type == FLAG_BOOL ? "" : "=VALUE",
		        tab[i].alias ? ", -" : "",
		        tab[i].alias ? tab[i].alias : "", tab[i].help, def);
	}
	fprintf(out, "  -h, --help\n      print this help\n");
}
