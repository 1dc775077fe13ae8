/* test_filter_ident.c - the filter's side of container identities: a
 * containers document (docs/schema.md) decoded, the latest one per
 * container kept, -container's matching (id prefix, name, image, label
 * key=value) and what is marked as an escape risk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "containers.h"
#include "decode.h"
#include "model.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char doc_json[] =
    "{\"_id\":\"h1:" ID ":1\",\"host\":\"h1\",\"docker_id\":\"" ID "\","
    "\"name\":\"/web1\",\"image\":\"registry.local:5000/shop/web:1.2\","
    "\"image_id\":\"sha256:beef\",\"labels\":[{\"key\":\"tier\","
    "\"value\":\"front\"},{\"key\":\"com.docker.compose.project\","
    "\"value\":\"shop\"}],\"privileged\":false,\"cap_add\":[\"NET_RAW\"],"
    "\"network_mode\":\"bridge\",\"mounts\":[{\"type\":\"bind\","
    "\"source\":\"/srv\",\"destination\":\"/data\",\"rw\":true}],"
    "\"init_pid\":42,\"seen_ns\":100}";

static bson_t *
doc_of(const char *json)
{
	bson_error_t err;
	bson_t *b = bson_new_from_json((const uint8_t *)json, -1, &err);

	assert_non_null(b);
	return b;
}

static void
test_decode(void **state)
{
	bson_t *b = doc_of(doc_json);
	struct container c;

	(void)state;
	assert_int_equal(decode_container(b, &c), 0);
	assert_string_equal(c.id, ID);
	assert_string_equal(c.host, "h1");
	assert_string_equal(c.name.p, "/web1");
	assert_string_equal(c.ident.image_id.p, "sha256:beef");
	assert_int_equal(c.ident.labels.n, 2);
	assert_string_equal(c.ident.labels.v[0].p, "tier=front");
	assert_int_equal(c.ident.caps.n, 1);
	assert_int_equal(c.ident.nmounts, 1);
	assert_string_equal(c.ident.mounts[0].source.p, "/srv");
	assert_true(c.ident.mounts[0].rw);
	assert_true(c.ident.has_privileged);
	assert_false(c.ident.privileged);
	assert_int_equal(c.ident.init_pid, 42);
	assert_string_equal(c.ident.source, "recorded");
	model_container_free(&c);
	bson_destroy(b);
	/* recorded before it started: Docker's zero time is no time */
	b = doc_of("{\"host\":\"h1\",\"docker_id\":\"" ID "\","
	           "\"started\":\"0001-01-01T00:00:00Z\","
	           "\"created\":\"2026-11-30T09:59:59Z\"}");
	assert_int_equal(decode_container(b, &c), 0);
	assert_false(c.ident.started.set);
	assert_true(c.ident.created.set);
	model_container_free(&c);
	bson_destroy(b);
	/* no docker_id: refused */
	b = doc_of("{\"_id\":\"x\",\"host\":\"h1\",\"name\":\"/a\"}");
	assert_int_equal(decode_container(b, &c), -1);
	bson_destroy(b);
}

static void
test_match(void **state)
{
	bson_t *b = doc_of(doc_json);
	struct container c;

	(void)state;
	assert_int_equal(decode_container(b, &c), 0);
	assert_true(containers_match(&c, "0123"));
	assert_true(containers_match(&c, "web1"));
	assert_true(containers_match(&c, "/web1"));
	assert_true(containers_match(&c, "registry.local:5000/shop/web:1.2"));
	assert_true(containers_match(&c, "registry.local:5000/shop/web"));
	assert_true(containers_match(&c, "tier=front"));
	assert_true(containers_match(&c, "com.docker.compose.project=shop"));
	assert_false(containers_match(&c, "registry.local"));
	assert_false(containers_match(&c, "tier=back"));
	assert_false(containers_match(&c, "tier"));
	assert_false(containers_match(&c, "web"));
	assert_false(containers_match(&c, "1123"));
	assert_false(containers_risky(&c));
	model_container_free(&c);
	bson_destroy(b);
}

static void
test_risky(void **state)
{
	bson_t *b = doc_of("{\"host\":\"h\",\"docker_id\":\"" ID "\","
	                   "\"privileged\":true}");
	struct container c;

	(void)state;
	assert_int_equal(decode_container(b, &c), 0);
	assert_true(containers_risky(&c));
	model_container_free(&c);
	bson_destroy(b);
	b = doc_of("{\"host\":\"h\",\"docker_id\":\"" ID "\","
	           "\"privileged\":false,\"mounts\":[{\"type\":\"bind\","
	           "\"source\":\"/\",\"destination\":\"/host\"}]}");
	assert_int_equal(decode_container(b, &c), 0);
	assert_true(containers_risky(&c));
	assert_true(containers_mount_is_root(&c.ident.mounts[0]));
	model_container_free(&c);
	bson_destroy(b);
	/* a volume whose source is "/" is not a bind of the host's root */
	b = doc_of("{\"host\":\"h\",\"docker_id\":\"" ID "\","
	           "\"mounts\":[{\"type\":\"volume\",\"source\":\"/\"}]}");
	assert_int_equal(decode_container(b, &c), 0);
	assert_false(containers_risky(&c));
	model_container_free(&c);
	bson_destroy(b);
}

static void
test_latest_document_wins(void **state)
{
	struct model *m = model_new(100);
	bson_t *old = doc_of(doc_json);
	bson_t *newer = doc_of("{\"host\":\"h1\",\"docker_id\":\"" ID "\","
	                       "\"name\":\"/renamed\",\"seen_ns\":200}");
	bson_t *bad = doc_of("{\"_id\":\"junk\",\"host\":\"h1\"}");
	struct container *c;

	(void)state;
	assert_int_equal(containers_doc(newer, m), 0);
	assert_int_equal(containers_doc(old, m), 0);
	assert_int_equal(containers_doc(bad, m), 0);
	assert_int_equal(containers_doc(old, m), 0); /* a replay: no change */
	c = model_find_ctdoc(m, "h1", ID);
	assert_non_null(c);
	assert_string_equal(c->name.p, "/renamed");
	/* the rename is kept: every name, oldest first, each once */
	assert_int_equal(c->ident.nnames, 2);
	assert_string_equal(c->ident.names[0].name.p, "/web1");
	assert_string_equal(c->ident.names[1].name.p, "/renamed");
	assert_int_equal(m->skipped.n, 1);
	assert_null(model_find_ctdoc(m, "h2", ID));
	bson_destroy(old);
	bson_destroy(newer);
	bson_destroy(bad);
	model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode),
	    cmocka_unit_test(test_match),
	    cmocka_unit_test(test_risky),
	    cmocka_unit_test(test_latest_document_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
