/* test_ctinfo.c - a container's identity from Docker's files (ctinfo.c)
 * and the table that records it (ctwatch.c), in a temporary data root:
 * good files parsed into every field; hostile ones (huge, not JSON, a
 * symlink in place of config.v2.json, a symlinked container directory, a
 * FIFO) bounded, refused, counted, never followed; the data root from
 * dockerd's cmdline and daemon.json; one document per change, gaps for
 * what was refused or never found. Against tests/unit/fake_store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctinfo.h"
#include "ctwatch.h"
#include "fake_store.h"
#include "schema.h"
#include "writeback.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID2 "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID3 "2123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID4 "3123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SEC 1000000000LL
#define T0 (1700000000LL * SEC)

static const char good_cfg[] =
    "{\"State\":{\"Running\":true,\"Pid\":4242,"
    "\"StartedAt\":\"2026-11-30T10:00:00.5Z\"},"
    "\"ID\":\"" ID "\",\"Created\":\"2026-11-30T09:59:59Z\","
    "\"Config\":{\"Image\":\"alpine:3.20\",\"Labels\":{"
    "\"com.docker.compose.project\":\"shop\","
    "\"com.docker.compose.service\":\"web\","
    "\"io.kubernetes.pod.name\":\"web-7f\","
    "\"io.kubernetes.pod.namespace\":\"prod\","
    "\"io.kubernetes.container.name\":\"nginx\",\"tier\":\"front\"}},"
    "\"Image\":\"sha256:beef\",\"Name\":\"/web1\",\"Driver\":\"overlay2\","
    "\"MountPoints\":{\"/data\":{\"Source\":\"/srv/data\","
    "\"Destination\":\"/data\",\"RW\":true,\"Type\":\"bind\"},"
    "\"/host\":{\"Source\":\"/\",\"Destination\":\"/host\",\"RW\":false,"
    "\"Type\":\"bind\"}}}";
static const char good_hc[] =
    "{\"Binds\":[\"/srv/data:/data\"],\"NetworkMode\":\"bridge\","
    "\"Privileged\":true,\"CapAdd\":[\"SYS_ADMIN\",\"NET_RAW\"]}";

struct fix {
	char dir[64];  /* the temporary directory */
	char root[96]; /* dir/root: the data root */
	char json[96]; /* dir/daemon.json */
	int rootfd;
	struct store *s;
	struct writeback wb;
};

static void
put_file(const char *path, const char *data, size_t n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void
pathf(char *out, size_t cap, const struct fix *f, const char *rel)
{
	snprintf(out, cap, "%s/%s", f->root, rel);
}

static void
mkdirs(const struct fix *f, const char *rel)
{
	char p[512], *s;

	pathf(p, sizeof(p), f, rel);
	for (s = p + strlen(f->root) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		(void)mkdir(p, 0700);
		*s = '/';
	}
	(void)mkdir(p, 0700);
}

/* containers/<id>/name in the data root */
static void
put_ct(const struct fix *f, const char *id, const char *name, const char *data,
       size_t n)
{
	char rel[256], p[512];

	snprintf(rel, sizeof(rel), "containers/%s", id);
	mkdirs(f, rel);
	snprintf(rel, sizeof(rel), "containers/%s/%s", id, name);
	pathf(p, sizeof(p), f, rel);
	put_file(p, data, n);
}

static void
put_good(const struct fix *f, const char *id)
{
	char rel[256], p[512];

	put_ct(f, id, "config.v2.json", good_cfg, strlen(good_cfg));
	put_ct(f, id, "hostconfig.json", good_hc, strlen(good_hc));
	snprintf(rel, sizeof(rel), "image/overlay2/layerdb/mounts/%s", id);
	mkdirs(f, rel);
	snprintf(rel, sizeof(rel), "image/overlay2/layerdb/mounts/%s/mount-id",
	         id);
	pathf(p, sizeof(p), f, rel);
	put_file(p, "abc123", 6);
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	char buf[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/godo-ctinfo-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->root, sizeof(f->root), "%s/root", f->dir);
	assert_int_equal(mkdir(f->root, 0700), 0);
	snprintf(f->json, sizeof(f->json), "%s/daemon.json", f->dir);
	snprintf(buf, sizeof(buf), "{\"data-root\":\"%s\"}", f->root);
	put_file(f->json, buf, strlen(buf));
	f->rootfd = open(f->root, O_PATH | O_DIRECTORY);
	assert_true(f->rootfd >= 0);
	f->s = fake_store_new(false);
	assert_non_null(f->s);
	assert_int_equal(writeback_init(&f->wb, f->s, "h1", "boot"), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	char cmd[128];

	writeback_fini(&f->wb);
	fake_store_free(f->s);
	close(f->rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static bool
str_is(struct str s, const char *lit)
{
	return s.p != NULL && s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static void
test_read_good(void **state)
{
	struct fix *f = *state;
	struct ctinfo ci;
	const char *why = NULL;
	char rootfs[256];

	put_good(f, ID);
	assert_int_equal(ctinfo_read(f->rootfd, f->root, ID, &ci, &why),
	                 CTINFO_OK);
	assert_true(str_is(ci.name, "/web1"));
	assert_true(str_is(ci.image, "alpine:3.20"));
	assert_true(str_is(ci.image_id, "sha256:beef"));
	assert_true(str_is(ci.created, "2026-11-30T09:59:59Z"));
	assert_true(str_is(ci.started, "2026-11-30T10:00:00.5Z"));
	assert_true(ci.running);
	assert_int_equal(ci.init_pid, 4242);
	assert_int_equal(ci.nlabels, 6);
	assert_true(str_is(ci.compose_project, "shop"));
	assert_true(str_is(ci.compose_service, "web"));
	assert_true(str_is(ci.k8s_pod, "web-7f"));
	assert_true(str_is(ci.k8s_namespace, "prod"));
	assert_true(str_is(ci.k8s_container, "nginx"));
	assert_true(ci.has_hostconfig);
	assert_true(ci.privileged);
	assert_int_equal(ci.ncaps, 2);
	assert_true(str_is(ci.cap_add[0], "SYS_ADMIN"));
	assert_true(str_is(ci.network_mode, "bridge"));
	assert_int_equal(ci.nmounts, 2);
	assert_true(str_is(ci.mounts[0].source, "/srv/data"));
	assert_true(str_is(ci.mounts[0].destination, "/data"));
	assert_true(str_is(ci.mounts[0].type, "bind"));
	assert_true(ci.mounts[0].rw);
	assert_false(ci.mounts[1].rw);
	snprintf(rootfs, sizeof(rootfs), "%s/overlay2/abc123/merged", f->root);
	assert_string_equal(ci.rootfs, rootfs);
	assert_false(ci.truncated);
	ctinfo_free(&ci);
}

/* created, not started yet: Docker's zero StartedAt is no time */
static void
test_not_started_no_time(void **state)
{
	struct ctinfo ci;
	static const char cfg[] =
	    "{\"Name\":\"/web1\",\"Created\":\"2026-11-30T09:59:59Z\","
	    "\"State\":{\"Running\":false,\"Pid\":0,"
	    "\"StartedAt\":\"0001-01-01T00:00:00Z\"}}";

	(void)state;
	memset(&ci, 0, sizeof(ci));
	assert_int_equal(ctinfo_parse(&ci, cfg, strlen(cfg), NULL, 0), 0);
	assert_null(ci.started.p);
	assert_true(str_is(ci.created, "2026-11-30T09:59:59Z"));
	assert_false(ci.running);
	ctinfo_free(&ci);
}

static void
test_read_missing(void **state)
{
	struct fix *f = *state;
	struct ctinfo ci;
	const char *why = NULL;

	assert_int_equal(ctinfo_read(f->rootfd, f->root, ID, &ci, &why),
	                 CTINFO_MISSING);
	/* not an id: never a path */
	assert_int_equal(
	    ctinfo_read(f->rootfd, f->root, "../../etc/passwd", &ci, &why),
	    CTINFO_REFUSED);
}

static void
test_huge_refused(void **state)
{
	struct fix *f = *state;
	size_t n = CTINFO_FILE_MAX + 1;
	char *big = malloc(n);
	struct ctinfo ci;
	const char *why = NULL;

	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	put_ct(f, ID, "config.v2.json", big, n);
	free(big);
	assert_int_equal(ctinfo_read(f->rootfd, f->root, ID, &ci, &why),
	                 CTINFO_REFUSED);
	assert_string_equal(why, "too big");
}

static void
test_invalid_json_refused(void **state)
{
	struct fix *f = *state;
	struct ctinfo ci;
	const char *why = NULL;
	static const char bad[] = "{\"Name\":\"/x\",\"Config\":{";

	size_t n = 200000, i;
	char *deep = malloc(n);

	put_ct(f, ID, "config.v2.json", bad, strlen(bad));
	assert_int_equal(ctinfo_read(f->rootfd, f->root, ID, &ci, &why),
	                 CTINFO_REFUSED);
	assert_string_equal(why, "not JSON");
	/* nested past any parser's depth, well under the size cap */
	assert_non_null(deep);
	for (i = 0; i < n; i++)
		deep[i] = i < n / 2 ? '[' : ']';
	deep[0] = '{';
	put_ct(f, ID, "config.v2.json", deep, n);
	free(deep);
	assert_int_equal(ctinfo_read(f->rootfd, f->root, ID, &ci, &why),
	                 CTINFO_REFUSED);
	/* valid JSON that is not an object */
	put_ct(f, ID, "config.v2.json", "[1,2]", 5);
	assert_int_equal(ctinfo_read(f->rootfd, f->root, ID, &ci, &why),
	                 CTINFO_REFUSED);
}

static void
test_symlink_file_not_followed(void **state)
{
	struct fix *f = *state;
	struct ctinfo ci;
	const char *why = NULL;
	char target[256], link[512];

	/* a valid config elsewhere: following the link would read it */
	snprintf(target, sizeof(target), "%s/elsewhere.json", f->dir);
	put_file(target, good_cfg, strlen(good_cfg));
	mkdirs(f, "containers/" ID);
	pathf(link, sizeof(link), f, "containers/" ID "/config.v2.json");
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(ctinfo_read(f->rootfd, f->root, ID, &ci, &why),
	                 CTINFO_REFUSED);
	assert_string_equal(why, "a symlink");
	/* a relative link that stays beneath the root: refused as well */
	assert_int_equal(unlink(link), 0);
	put_ct(f, ID, "real.json", good_cfg, strlen(good_cfg));
	assert_int_equal(symlink("real.json", link), 0);
	assert_int_equal(ctinfo_read(f->rootfd, f->root, ID, &ci, &why),
	                 CTINFO_REFUSED);
}

static void
test_symlinked_dir_not_followed(void **state)
{
	struct fix *f = *state;
	struct ctinfo ci;
	const char *why = NULL;
	char real[256], link[512];

	snprintf(real, sizeof(real), "%s/realdir", f->dir);
	assert_int_equal(mkdir(real, 0700), 0);
	snprintf(link, sizeof(link), "%s/config.v2.json", real);
	put_file(link, good_cfg, strlen(good_cfg));
	mkdirs(f, "containers");
	pathf(link, sizeof(link), f, "containers/" ID);
	assert_int_equal(symlink(real, link), 0);
	assert_int_equal(ctinfo_read(f->rootfd, f->root, ID, &ci, &why),
	                 CTINFO_REFUSED);
	assert_string_equal(why, "a symlink");
	assert_int_equal(ctinfo_signature(f->rootfd, ID), 1);
}

static void
test_fifo_refused_without_blocking(void **state)
{
	struct fix *f = *state;
	struct ctinfo ci;
	const char *why = NULL;
	char p[512];

	mkdirs(f, "containers/" ID);
	pathf(p, sizeof(p), f, "containers/" ID "/config.v2.json");
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(ctinfo_read(f->rootfd, f->root, ID, &ci, &why),
	                 CTINFO_REFUSED);
	assert_string_equal(why, "not a regular file");
}

static void
test_lists_capped(void **state)
{
	struct fix *f = *state;
	size_t cap = 64 * 1024, n = 0, i;
	char *cfg = malloc(cap);
	struct ctinfo ci;
	const char *why = NULL;

	assert_non_null(cfg);
	n += (size_t)snprintf(cfg + n, cap - n, "{\"Name\":\"/");
	for (i = 0; i < CTINFO_STR_MAX + 10; i++)
		cfg[n++] = 'n';
	n += (size_t)snprintf(cfg + n, cap - n, "\",\"Config\":{\"Labels\":{");
	for (i = 0; i < 100; i++)
		n += (size_t)snprintf(cfg + n, cap - n, "%s\"k%zu\":\"v\"",
		                      i ? "," : "", i);
	n += (size_t)snprintf(cfg + n, cap - n, "}}}");
	put_ct(f, ID, "config.v2.json", cfg, n);
	free(cfg);
	assert_int_equal(ctinfo_read(f->rootfd, f->root, ID, &ci, &why),
	                 CTINFO_OK);
	assert_int_equal(ci.nlabels, CTINFO_LABELS_MAX);
	assert_int_equal(ci.name.n, CTINFO_STR_MAX);
	assert_true(ci.truncated);
	assert_false(ci.has_hostconfig);
	ctinfo_free(&ci);
}

/* dir/proc/<pid>/cmdline = args (NUL-separated, n bytes) */
static void
put_cmdline(const struct fix *f, int pid, const char *args, size_t n)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/proc", f->dir);
	(void)mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/proc/%d", f->dir, pid);
	(void)mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/proc/%d/cmdline", f->dir, pid);
	put_file(p, args, n);
}

static void
test_data_root(void **state)
{
	struct fix *f = *state;
	char proc[128], out[256], args[512];
	int n;

	snprintf(proc, sizeof(proc), "%s/proc", f->dir);
#define CMD(pid, lit) put_cmdline(f, pid, lit, sizeof(lit) - 1)
	CMD(10, "/usr/bin/dockerd\0--data-root\0/srv/d1\0");
	assert_int_equal(
	    ctinfo_data_root(proc, 10, "/nonexistent", out, sizeof(out)), 0);
	assert_string_equal(out, "/srv/d1");
	CMD(11, "dockerd\0-H\0unix:///x\0--data-root=/srv/d2");
	assert_int_equal(ctinfo_data_root(proc, 11, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "/srv/d2");
	/* no flag: its --config-file's data-root */
	n = snprintf(args, sizeof(args), "dockerd%c--config-file=%s", 0,
	             f->json);
	put_cmdline(f, 12, args, (size_t)n);
	assert_int_equal(ctinfo_data_root(proc, 12, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, f->root);
	/* nothing: the default; a relative root is not taken */
	CMD(13, "dockerd\0--data-root=rel");
	assert_int_equal(
	    ctinfo_data_root(proc, 13, "/nonexistent", out, sizeof(out)), 0);
	assert_string_equal(out, CTINFO_DEFAULT_ROOT);
	/* containerd, or a process that is gone: not a dockerd */
	CMD(14, "containerd\0--root\0/x");
	assert_int_equal(ctinfo_data_root(proc, 14, NULL, out, sizeof(out)),
	                 -1);
	assert_int_equal(ctinfo_data_root(proc, 99, NULL, out, sizeof(out)),
	                 -1);
}

/* ---- ctwatch: the documents and gaps ---- */

static struct ctwatch *
watch(struct fix *f)
{
	struct ctwatch *cw = ctwatch_new("/nonexistent", f->json);

	assert_non_null(cw);
	return cw;
}

static void
test_watch_one_document_per_change(void **state)
{
	struct fix *f = *state;
	struct ctwatch *cw = watch(f);
	struct ctwatch_stats st;
	const bson_t *d;
	char rootfs[256];
	static const char renamed[] =
	    "{\"Name\":\"/web2\",\"Config\":{\"Image\":\"alpine:3.20\"}}";

	put_good(f, ID);
	ctwatch_seen(cw, &f->wb, ID, 1000, T0);
	assert_int_equal(fake_store_count(f->s, STORE_CONTAINERS, FAKE_INSERT),
	                 1);
	d = fake_store_find_doc(f->s, STORE_CONTAINERS, F_CT_NAME, "/web1");
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_DOCKER_ID), ID);
	assert_string_equal(fake_str(d, F_HOST), "h1");
	assert_string_equal(fake_str(d, F_CT_LABELS ".0." F_CT_KEY),
	                    "com.docker.compose.project");
	assert_string_equal(fake_str(d, F_CT_COMPOSE_PROJECT), "shop");
	assert_string_equal(fake_str(d, F_CT_MOUNTS ".1." F_CT_MSOURCE), "/");
	assert_string_equal(fake_str(d, F_CT_CAP_ADD ".1"), "NET_RAW");
	assert_int_equal(fake_int(d, F_CT_INIT_PID, 0), 4242);
	assert_int_equal(fake_int(d, F_CT_SEEN_NS, 0), T0);
	assert_int_equal(fake_int(d, F_CT_PRIVILEGED, -1), 1);
	/* every other field of the identity (docs/schema.md) */
	assert_string_equal(fake_str(d, F_CT_IMAGE), "alpine:3.20");
	assert_string_equal(fake_str(d, F_CT_IMAGE_ID), "sha256:beef");
	assert_string_equal(fake_str(d, F_CT_COMPOSE_SERVICE), "web");
	assert_string_equal(fake_str(d, F_CT_K8S_POD), "web-7f");
	assert_string_equal(fake_str(d, F_CT_K8S_NAMESPACE), "prod");
	assert_string_equal(fake_str(d, F_CT_K8S_CONTAINER), "nginx");
	assert_string_equal(fake_str(d, F_CT_CREATED), "2026-11-30T09:59:59Z");
	assert_string_equal(fake_str(d, F_CT_STARTED),
	                    "2026-11-30T10:00:00.5Z");
	assert_int_equal(fake_int(d, F_CT_RUNNING, -1), 1);
	assert_string_equal(fake_str(d, F_CT_NETWORK), "bridge");
	assert_string_equal(fake_str(d, F_CT_CAP_ADD ".0"), "SYS_ADMIN");
	assert_string_equal(fake_str(d, F_CT_MOUNTS ".0." F_CT_MDEST), "/data");
	assert_int_equal(fake_int(d, F_CT_MOUNTS ".0." F_CT_MRW, -1), 1);
	assert_int_equal(fake_int(d, F_CT_MOUNTS ".1." F_CT_MRW, -1), 0);
	assert_string_equal(fake_str(d, F_CT_MOUNTS ".0." F_CT_MTYPE), "bind");
	snprintf(rootfs, sizeof(rootfs), "%s/overlay2/abc123/merged", f->root);
	assert_string_equal(fake_str(d, F_ROOTFS), rootfs);
	assert_false(fake_has(d, F_CT_TRUNC));
	/* seen again, files unchanged: nothing new */
	ctwatch_seen(cw, &f->wb, ID, 2000, T0 + SEC);
	ctwatch_tick(cw, &f->wb, 2000 + CTWATCH_RECHECK_MS, T0 + 2 * SEC);
	assert_int_equal(fake_store_count(f->s, STORE_CONTAINERS, FAKE_INSERT),
	                 1);
	/* renamed: dockerd rewrites config.v2.json (a new inode) */
	put_ct(f, ID, "config.v2.json.tmp", renamed, strlen(renamed));
	{
		char a[512], b[512];

		pathf(a, sizeof(a), f, "containers/" ID "/config.v2.json.tmp");
		pathf(b, sizeof(b), f, "containers/" ID "/config.v2.json");
		assert_int_equal(rename(a, b), 0);
	}
	ctwatch_tick(cw, &f->wb, 10000, T0 + 3 * SEC);
	assert_int_equal(fake_store_count(f->s, STORE_CONTAINERS, FAKE_INSERT),
	                 2);
	assert_non_null(
	    fake_store_find_doc(f->s, STORE_CONTAINERS, F_CT_NAME, "/web2"));
	ctwatch_get_stats(cw, &st);
	assert_int_equal(st.docs, 2);
	assert_int_equal(st.refused, 0);
	ctwatch_free(cw);
}

static void
test_watch_retries_until_written(void **state)
{
	struct fix *f = *state;
	struct ctwatch *cw = watch(f);
	uint64_t now = 1000;
	int i;

	ctwatch_seen(cw, &f->wb, ID, now, T0);
	assert_int_equal(fake_store_count(f->s, STORE_CONTAINERS, FAKE_INSERT),
	                 0);
	put_good(f, ID); /* dockerd writes it a moment later */
	for (i = 0; i < 4; i++) {
		now += 1000;
		ctwatch_tick(cw, &f->wb, now, T0 + i * SEC);
	}
	assert_int_equal(fake_store_count(f->s, STORE_CONTAINERS, FAKE_INSERT),
	                 1);
	ctwatch_free(cw);
}

static void
test_watch_missing_is_a_gap(void **state)
{
	struct fix *f = *state;
	struct ctwatch *cw = watch(f);
	struct ctwatch_stats st;
	uint64_t now = 1000;
	int i;

	ctwatch_seen(cw, &f->wb, ID, now, T0);
	for (i = 0; i < 2 * CTWATCH_ATTEMPTS; i++) {
		now += 10000;
		ctwatch_tick(cw, &f->wb, now, T0 + i * SEC);
	}
	ctwatch_get_stats(cw, &st);
	assert_int_equal(st.missing, 1);
	assert_int_equal(fake_store_count(f->s, STORE_GAPS, FAKE_UPSERT), 1);
	ctwatch_free(cw);
}

static void
test_watch_refused_counted_once(void **state)
{
	struct fix *f = *state;
	struct ctwatch *cw = watch(f);
	struct ctwatch_stats st;
	const struct fake_op *op;
	char target[256], link[512], *big;
	int i;

	snprintf(target, sizeof(target), "%s/elsewhere.json", f->dir);
	put_file(target, good_cfg, strlen(good_cfg));
	mkdirs(f, "containers/" ID);
	pathf(link, sizeof(link), f, "containers/" ID "/config.v2.json");
	assert_int_equal(symlink(target, link), 0);
	put_good(f, ID2);
	/* a config past the size cap, and one that is not JSON */
	big = calloc(1, CTINFO_FILE_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', CTINFO_FILE_MAX + 1);
	big[0] = '{';
	big[CTINFO_FILE_MAX] = '}';
	put_ct(f, ID3, "config.v2.json", big, CTINFO_FILE_MAX + 1);
	free(big);
	put_ct(f, ID4, "config.v2.json", "{\"Name\":", 8);
	ctwatch_seen(cw, &f->wb, ID, 1000, T0);
	ctwatch_seen(cw, &f->wb, ID2, 1000, T0);
	ctwatch_seen(cw, &f->wb, ID3, 1000, T0);
	ctwatch_seen(cw, &f->wb, ID4, 1000, T0);
	for (i = 1; i <= 5; i++)
		ctwatch_tick(cw, &f->wb, 1000 + (uint64_t)i * 5000,
		             T0 + i * SEC);
	ctwatch_get_stats(cw, &st);
	assert_int_equal(st.refused, 3);
	assert_int_equal(st.docs, 1); /* the other container is recorded */
	assert_int_equal(fake_store_count(f->s, STORE_CONTAINERS, FAKE_INSERT),
	                 1);
	assert_int_equal(fake_store_count(f->s, STORE_GAPS, FAKE_UPSERT), 1);
	op = fake_store_op(f->s, fake_store_nops(f->s) - 1);
	assert_int_equal(op->c, STORE_GAPS);
	assert_string_equal(fake_str(op->b, "$set." F_GAP_SOURCE),
	                    "container_refused");
	ctwatch_free(cw);
}

static void
test_watch_table_bounded(void **state)
{
	struct fix *f = *state;
	struct ctwatch *cw = watch(f);
	struct ctwatch_stats st;
	char id[65];
	unsigned int i;

	for (i = 0; i < CTWATCH_MAX + 10; i++) {
		snprintf(id, sizeof(id), "%064x", i);
		ctwatch_seen(cw, &f->wb, id, 1000 + i, T0);
	}
	ctwatch_get_stats(cw, &st);
	assert_int_equal(st.evicted, 10);
	ctwatch_free(cw);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_read_good),
	    T(test_not_started_no_time),
	    T(test_read_missing),
	    T(test_huge_refused),
	    T(test_invalid_json_refused),
	    T(test_symlink_file_not_followed),
	    T(test_symlinked_dir_not_followed),
	    T(test_fifo_refused_without_blocking),
	    T(test_lists_capped),
	    T(test_data_root),
	    T(test_watch_one_document_per_change),
	    T(test_watch_retries_until_written),
	    T(test_watch_missing_is_a_gap),
	    T(test_watch_refused_counted_once),
	    T(test_watch_table_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
