/* fuzz_procfs.c - libFuzzer target for the pure /proc parsers
 * (procfs.c): stat, status, cgroup, cmdline splitting, boot id and the
 * " (deleted)" suffix, each over the same bytes. A task controls its comm
 * (stat), its cmdline and, in a container, much of what its cgroup path
 * looks like. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procfs.h"

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			        __LINE__, #c);                                 \
			abort();                                               \
		}                                                              \
	} while (0)

#define ARGV_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
is_lower_hex(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		      (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

static void
check_split(const char *buf, size_t n, size_t max)
{
	static struct str argv[ARGV_MAX];
	size_t argc, i, sum = 0;
	bool more;

	argc = procfs_split_cmdline(buf, n, argv, max, &more);
	CHECK(argc <= max);
	CHECK(!more || argc == max);
	for (i = 0; i < argc; i++) {
		CHECK(argv[i].p >= buf && argv[i].p + argv[i].n <= buf + n);
		CHECK(memchr(argv[i].p, '\0', argv[i].n) == NULL);
		sum += argv[i].n + 1;
	}
	/* Every byte is an argument byte or a separator. */
	if (!more)
		CHECK(sum == n || sum == n + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct procfs_stat st;
	struct procfs_status ss;
	char id[PROCFS_DOCKER_ID_LEN + 1];
	char boot[PROCFS_BOOT_ID_LEN + 1];
	char *buf;
	size_t n;
	bool deleted;
	int rc;

	/* An exact-size copy, not NUL-terminated: ASan sees an overread. */
	buf = malloc(size > 0 ? size : 1);
	CHECK(buf != NULL);
	if (size > 0)
		memcpy(buf, data, size);

	if (procfs_parse_stat(buf, size, &st) == 0) {
		CHECK(st.pid > 0);
		CHECK(st.ppid >= 0);
		CHECK(strlen(st.comm) < sizeof(st.comm));
	}
	if (procfs_parse_status(buf, size, &ss) == 0) {
		CHECK(ss.tgid > 0 && ss.ppid >= 0);
		CHECK(ss.nnspid <= PROCFS_NSPID_MAX);
	}
	memset(id, 'Z', sizeof(id));
	rc = procfs_parse_cgroup(buf, size, id);
	CHECK(rc >= -1 && rc <= 1);
	if (rc == 1)
		CHECK(id[PROCFS_DOCKER_ID_LEN] == '\0' &&
		      is_lower_hex(id, PROCFS_DOCKER_ID_LEN));
	else
		CHECK(id[0] == '\0');
	check_split(buf, size, 0);
	check_split(buf, size, 1);
	check_split(buf, size, 3);
	check_split(buf, size, ARGV_MAX);
	if (procfs_parse_boot_id(buf, size, boot) == 0)
		CHECK(strlen(boot) == PROCFS_BOOT_ID_LEN && boot[8] == '-');
	n = procfs_strip_deleted(buf, size, &deleted);
	CHECK(n <= size);
	CHECK(deleted == (n != size));
	free(buf);
	return 0;
}
