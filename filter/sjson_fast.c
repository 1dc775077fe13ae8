/* sjson_fast.c - the one-pass conversion of a row (sjson_priv.h): the
 * schema ("$s", the row's first member, as FerretDB writes it) parsed
 * once into a tree of nodes, then the values converted as they are read,
 * each object's members in its $k order. A row in any other shape (the
 * schema elsewhere, members out of order, a duplicate schema field) or
 * any fault is left to the reference conversion (sjson.c), which gives
 * the same result on every row taken here: the same checks, made once.
 * Depth counts as the reference's scan does: the row is 0, each container
 * one more, whether in the schema or the values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sjson_priv.h"

#define NONE UINT32_MAX
#define STACK_KIDS 32

/* a schema elem, with the schema of its object ("$s") and its items */
struct node {
	struct elem e;
	enum vtype t;
	bool has_schema;
	uint32_t props, nprops; /* into tree.props */
	uint32_t keys, nkeys;   /* into tree.keys */
	uint32_t items, nitems; /* into tree.items */
};

struct prop {
	struct sjtok_span key; /* contents */
	uint32_t node;
};

struct tree {
	struct node *nodes;
	struct prop *props;
	struct sjtok_span *keys; /* contents */
	uint32_t *items;
	size_t nn, np, nk, ni, cn, cp, ck, ci;
};

/* a node's children, gathered before they are stored together */
struct kids {
	struct prop *p;
	size_t n, cap;
	struct prop stack[STACK_KIDS];
};

struct fast {
	struct ctx *c;
	struct sjtok *tok; /* &c->tok */
	struct tree t;
};

/* room for one more in a growable array; bounded by the row's length */
static int
grow(struct fast *f, void **v, size_t n, size_t *cap, size_t size)
{
	size_t nc = *cap ? *cap * 2 : 64;
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*v, nc * size);
	if (p == NULL)
		return sjtok_fail(f->tok, 0, "out of memory");
	*v = p;
	*cap = nc;
	return 0;
}

static void
kids_init(struct kids *k)
{
	k->p = k->stack;
	k->n = 0;
	k->cap = STACK_KIDS;
}

static int
kids_push(struct fast *f, struct kids *k, struct sjtok_span key, uint32_t node)
{
	if (k->n == k->cap) {
		size_t cap = k->cap * 2;
		struct prop *p = k->p == k->stack
		                     ? malloc(cap * sizeof(*p))
		                     : realloc(k->p, cap * sizeof(*p));

		if (p == NULL)
			return sjtok_fail(f->tok, 0, "out of memory");
		if (k->p == k->stack)
			memcpy(p, k->stack, sizeof(k->stack));
		k->p = p;
		k->cap = cap;
	}
	k->p[k->n].key = key;
	k->p[k->n].node = node;
	k->n++;
	return 0;
}

static void
kids_free(struct kids *k)
{
	if (k->p != k->stack)
		free(k->p);
}

static int parse_elem(struct fast *f, size_t *i, size_t end, int depth,
                      uint32_t *out);

/* a blank-skipped ',' (more) or close (done) after a member */
static int
next_member(struct fast *f, size_t *j, size_t end, char close, bool *done)
{
	*j = sjtok_skip_ws(f->tok, *j, end);
	if (*j < end && f->tok->b[*j] == close) {
		(*j)++;
		*done = true;
		return 0;
	}
	if (*j >= end || f->tok->b[*j] != ',')
		return sjtok_fail(f->tok, *j, "expected ','");
	*j = sjtok_skip_ws(f->tok, *j + 1, end);
	*done = false;
	return 0;
}

/* b[*i] opens a container (open) at depth: *i past it and blanks; *empty
 * when it closes at once */
static int
open_container(struct fast *f, size_t *i, size_t end, char open, int depth,
               bool *empty)
{
	char close = open == '{' ? '}' : ']';

	if (*i >= end || f->tok->b[*i] != open)
		return sjtok_fail(f->tok, *i, "expected a container");
	if (depth >= SJSON_MAX_DEPTH)
		return sjtok_fail(f->tok, *i, "nested deeper than %d",
		                  SJSON_MAX_DEPTH);
	*i = sjtok_skip_ws(f->tok, *i + 1, end);
	*empty = *i < end && f->tok->b[*i] == close;
	if (*empty)
		(*i)++;
	return 0;
}

/* a member's name and ':' at b[*j]: its contents in key */
static int
member_key(struct fast *f, size_t *j, size_t end, struct sjtok_span *key)
{
	if (*j >= end || f->tok->b[*j] != '"')
		return sjtok_fail(f->tok, *j, "expected a field name");
	if (sjtok_scan_string(f->tok, j, end, key) != 0)
		return -1;
	*j = sjtok_skip_ws(f->tok, *j, end);
	if (*j >= end || f->tok->b[*j] != ':')
		return sjtok_fail(f->tok, *j, "expected ':'");
	*j = sjtok_skip_ws(f->tok, *j + 1, end);
	return 0;
}

/* "p": {name: elem, ...} into kids */
static int
parse_props(struct fast *f, size_t *j, size_t end, int depth, struct kids *k)
{
	struct sjtok_span key;
	uint32_t node;
	bool done;

	if (open_container(f, j, end, '{', depth, &done) != 0)
		return -1;
	while (!done) {
		if (member_key(f, j, end, &key) != 0 ||
		    parse_elem(f, j, end, depth + 1, &node) != 0 ||
		    kids_push(f, k, key, node) != 0 ||
		    next_member(f, j, end, '}', &done) != 0)
			return -1;
	}
	return 0;
}

/* "$k": [name, ...] stored as n's keys */
static int
parse_keys(struct fast *f, size_t *j, size_t end, int depth, struct node *n)
{
	struct sjtok_span key;
	bool done;

	if (open_container(f, j, end, '[', depth, &done) != 0)
		return -1;
	n->keys = (uint32_t)f->t.nk;
	while (!done) {
		if (*j >= end || f->tok->b[*j] != '"')
			return sjtok_fail(f->tok, *j, "expected a string");
		if (sjtok_scan_string(f->tok, j, end, &key) != 0 ||
		    grow(f, (void **)&f->t.keys, f->t.nk, &f->t.ck,
		         sizeof(*f->t.keys)) != 0)
			return -1;
		f->t.keys[f->t.nk++] = key;
		n->nkeys++;
		if (next_member(f, j, end, ']', &done) != 0)
			return -1;
	}
	return 0;
}

/* the gathered props stored together as node ni's */
static int
store_props(struct fast *f, uint32_t ni, const struct kids *k)
{
	size_t x;

	f->t.nodes[ni].props = (uint32_t)f->t.np;
	f->t.nodes[ni].nprops = (uint32_t)k->n;
	for (x = 0; x < k->n; x++) {
		if (grow(f, (void **)&f->t.props, f->t.np, &f->t.cp,
		         sizeof(*f->t.props)) != 0)
			return -1;
		f->t.props[f->t.np++] = k->p[x];
	}
	return 0;
}

/* a schema {"p": ..., "$k": ...} at b[*i] (container at depth) as node
 * ni's; a field twice is the reference's to read */
static int
parse_schema(struct fast *f, size_t *i, size_t end, int depth, uint32_t ni)
{
	bool done, seen_p = false, seen_k = false;
	struct sjtok_span key;
	struct kids k;
	int rc;

	kids_init(&k);
	rc = open_container(f, i, end, '{', depth, &done);
	while (rc == 0 && !done) {
		rc = member_key(f, i, end, &key);
		if (rc == 0 && sjtok_span_is(f->tok, key, "p") && !seen_p) {
			seen_p = true;
			rc = parse_props(f, i, end, depth + 1, &k);
		} else if (rc == 0 && sjtok_span_is(f->tok, key, "$k") &&
		           !seen_k) {
			seen_k = true;
			rc = parse_keys(f, i, end, depth + 1, &f->t.nodes[ni]);
		} else if (rc == 0) {
			rc = sjtok_fail(f->tok, key.off, "schema field");
		}
		if (rc == 0)
			rc = next_member(f, i, end, '}', &done);
	}
	if (rc == 0)
		rc = store_props(f, ni, &k);
	f->t.nodes[ni].has_schema = true;
	kids_free(&k);
	return rc;
}

/* "i": [elem, ...] stored as node ni's items */
static int
parse_items(struct fast *f, size_t *i, size_t end, int depth, uint32_t ni)
{
	struct sjtok_span none = {0, 0};
	struct kids k;
	uint32_t node;
	bool done;
	size_t x;
	int rc;

	kids_init(&k);
	rc = open_container(f, i, end, '[', depth, &done);
	while (rc == 0 && !done) {
		rc = parse_elem(f, i, end, depth + 1, &node);
		if (rc == 0)
			rc = kids_push(f, &k, none, node);
		if (rc == 0)
			rc = next_member(f, i, end, ']', &done);
	}
	f->t.nodes[ni].items = (uint32_t)f->t.ni;
	f->t.nodes[ni].nitems = (uint32_t)k.n;
	for (x = 0; rc == 0 && x < k.n; x++) {
		rc = grow(f, (void **)&f->t.items, f->t.ni, &f->t.ci,
		          sizeof(*f->t.items));
		if (rc == 0)
			f->t.items[f->t.ni++] = k.p[x].node;
	}
	kids_free(&k);
	return rc;
}

static int
new_node(struct fast *f, uint32_t *ni)
{
	if (grow(f, (void **)&f->t.nodes, f->t.nn, &f->t.cn,
	         sizeof(*f->t.nodes)) != 0)
		return -1;
	*ni = (uint32_t)f->t.nn++;
	memset(&f->t.nodes[*ni], 0, sizeof(f->t.nodes[*ni]));
	f->t.nodes[*ni].t = VT_UNKNOWN;
	return 0;
}

/* one member of an elem */
static int
elem_member(struct fast *f, size_t *i, size_t end, int depth, uint32_t ni,
            struct sjtok_span key)
{
	struct elem *e = &f->t.nodes[ni].e;
	size_t v = *i;

	if (sjtok_span_is(f->tok, key, "t") && e->t.len == 0) {
		if (*i >= end || f->tok->b[*i] != '"')
			return sjtok_fail(f->tok, *i, "expected a string");
		return sjtok_scan_string(f->tok, i, end, &e->t);
	}
	if (sjtok_span_is(f->tok, key, "$s") && !e->has_s) {
		e->has_s = true;
		return parse_schema(f, i, end, depth, ni);
	}
	if (sjtok_span_is(f->tok, key, "i") && !e->has_i) {
		e->has_i = true;
		return parse_items(f, i, end, depth, ni);
	}
	if (sjtok_span_is(f->tok, key, "o") && !e->has_o) {
		e->has_o = true;
		if (*i >= end || f->tok->b[*i] != '"')
			return sjtok_fail(f->tok, *i, "expected a string");
		return sjtok_scan_string(f->tok, i, end, &e->o);
	}
	if (sjtok_span_is(f->tok, key, "s") && !e->has_sub) {
		e->has_sub = true;
		if (sjtok_skip_value(f->tok, i, end, depth) != 0)
			return -1;
		e->sub.off = v;
		e->sub.len = *i - v;
		return 0;
	}
	return sjtok_fail(f->tok, key.off, "elem field");
}

/* an elem {"t": ..., ...} at b[*i] (container at depth) */
static int
parse_elem(struct fast *f, size_t *i, size_t end, int depth, uint32_t *out)
{
	struct sjtok_span key;
	uint32_t ni;
	bool done;

	if (new_node(f, &ni) != 0 ||
	    open_container(f, i, end, '{', depth, &done) != 0)
		return -1;
	while (!done) {
		if (member_key(f, i, end, &key) != 0 ||
		    elem_member(f, i, end, depth + 1, ni, key) != 0 ||
		    next_member(f, i, end, '}', &done) != 0)
			return -1;
	}
	if (f->t.nodes[ni].e.t.len == 0)
		return sjtok_fail(f->tok, *i, "schema without a type");
	f->t.nodes[ni].t = sj_elem_type(f->c, f->t.nodes[ni].e.t);
	*out = ni;
	return 0;
}

static int conv_value(struct fast *f, size_t *i, size_t end, bson_t *out,
                      const char *key, size_t klen, uint32_t ni, int depth);

/* the prop of node sn named key, searched from *hint on (as the
 * reference's find_member) */
static uint32_t
find_prop(struct fast *f, const struct node *sn, struct sjtok_span key,
          size_t *hint)
{
	size_t k, j;

	for (k = 0; k < sn->nprops; k++) {
		j = (*hint + k) % sn->nprops;
		if (sjtok_key_eq(f->tok, f->t.props[sn->props + j].key, key)) {
			*hint = j + 1;
			return f->t.props[sn->props + j].node;
		}
	}
	return NONE;
}

/* one member: key k of node sn, its value converted (or skipped) */
static int
conv_member(struct fast *f, size_t *j, size_t end, bson_t *out, uint32_t sn,
            uint32_t k, size_t *hint, struct sjtok_buf *name, int depth,
            bool top)
{
	const struct node *n = &f->t.nodes[sn];
	struct sjtok_span ks = f->t.keys[n->keys + k], dk, q;
	uint32_t p;

	if (member_key(f, j, end, &dk) != 0)
		return -1;
	if (!sjtok_key_eq(f->tok, dk, ks))
		return sjtok_fail(f->tok, dk.off, "out of order");
	/* the name as the reference makes it: from $k */
	q.off = ks.off - 1;
	q.len = ks.len + 2;
	if (sj_field_name(f->c, q, name) != 0)
		return -1;
	if (top && f->c->keep != NULL &&
	    !f->c->keep(name->p, name->len, f->c->keep_arg))
		return sjtok_skip_value(f->tok, j, end, depth + 1);
	p = find_prop(f, n, ks, hint);
	return conv_value(f, j, end, out, name->p, name->len, p, depth + 1);
}

/* the members of an object (container at depth; done: it closed at once)
 * from b[*i] on, in the order of schema node sn's keys; top: the row's,
 * after its schema */
static int
conv_members(struct fast *f, size_t *i, size_t end, bson_t *out, uint32_t sn,
             int depth, bool top, bool done)
{
	size_t hint = 0;
	struct sjtok_buf name;
	uint32_t k = 0;
	int rc = 0;

	sjtok_buf_init(&name);
	while (rc == 0 && !done) {
		if (k >= f->t.nodes[sn].nkeys)
			rc = sjtok_fail(f->tok, *i, "more fields than keys");
		else
			rc = conv_member(f, i, end, out, sn, k, &hint, &name,
			                 depth, top);
		k++;
		if (rc == 0)
			rc = next_member(f, i, end, '}', &done);
	}
	if (rc == 0 && k != f->t.nodes[sn].nkeys)
		rc = sjtok_fail(f->tok, *i, "fewer fields than keys");
	sjtok_buf_free(&name);
	return rc;
}

/* the object at b[*i] (container at depth) with schema node sn */
static int
conv_object(struct fast *f, size_t *i, size_t end, bson_t *out, uint32_t sn,
            int depth)
{
	bool done;

	if (open_container(f, i, end, '{', depth, &done) != 0)
		return -1;
	return conv_members(f, i, end, out, sn, depth, false, done);
}

static int
conv_array(struct fast *f, size_t *i, size_t end, bson_t *out, const char *key,
           size_t klen, uint32_t ni, int depth)
{
	const struct node *n = &f->t.nodes[ni];
	uint32_t k = 0, nitems = n->nitems, items = n->items;
	char ibuf[16];
	const char *ikey;
	bson_t child;
	bool done;
	int rc;

	if (!bson_append_array_begin(out, key, (int)klen, &child))
		return sjtok_fail(f->tok, *i, "document too large");
	rc = open_container(f, i, end, '[', depth, &done);
	while (rc == 0 && !done) {
		size_t il = bson_uint32_to_string(k, &ikey, ibuf, sizeof(ibuf));

		if (k >= nitems)
			rc = sjtok_fail(f->tok, *i,
			                "more items than the schema's");
		else
			rc = conv_value(f, i, end, &child, ikey, il,
			                f->t.items[items + k], depth + 1);
		k++;
		if (rc == 0)
			rc = next_member(f, i, end, ']', &done);
	}
	if (rc == 0 && k != nitems)
		rc = sjtok_fail(f->tok, *i, "fewer items than the schema's");
	if (rc == 0 && !bson_append_array_end(out, &child))
		rc = sjtok_fail(f->tok, *i, "document too large");
	return rc;
}

/* the value at b[*i] (at depth) with its elem node ni (NONE: none) */
static int
conv_value(struct fast *f, size_t *i, size_t end, bson_t *out, const char *key,
           size_t klen, uint32_t ni, int depth)
{
	struct sjtok_span v = {*i, 0};
	const struct node *n;
	bson_t child;

	if (*i < end && f->tok->b[*i] == 'n') {
		if (sjtok_scan_literal(f->tok, i, end, "null") != 0)
			return -1;
		v.len = 4;
		return sj_appended(f->c, bson_append_null(out, key, (int)klen),
		                   v);
	}
	if (ni == NONE)
		return sjtok_fail(f->tok, *i, "value without a schema");
	n = &f->t.nodes[ni];
	switch (n->t) {
	case VT_OBJECT:
		if (!n->has_schema ||
		    !bson_append_document_begin(out, key, (int)klen, &child))
			return sjtok_fail(f->tok, *i, "object");
		if (conv_object(f, i, end, &child, ni, depth) != 0)
			return -1;
		return sj_appended(f->c, bson_append_document_end(out, &child),
		                   v);
	case VT_ARRAY:
		return conv_array(f, i, end, out, key, klen, ni, depth);
	case VT_NULL:
	case VT_UNKNOWN:
		return sjtok_fail(f->tok, *i, "type");
	default:
		break;
	}
	if (sjtok_skip_value(f->tok, i, end, depth) != 0)
		return -1;
	v.len = *i - v.off;
	switch (n->t) {
	case VT_STRING:
	case VT_BINDATA:
	case VT_OBJECTID:
	case VT_REGEX:
		return sj_conv_stringish(f->c, out, key, klen, v, &n->e, n->t);
	default:
		return sj_conv_scalar(f->c, out, key, klen, v, n->t);
	}
}

int
sj_fast(struct ctx *c, bson_t *out)
{
	struct fast f;
	struct sjtok_span key;
	size_t i = sjtok_skip_ws(&c->tok, 0, c->tok.n);
	uint32_t root;
	bool done;
	int rc;

	memset(&f, 0, sizeof(f));
	f.c = c;
	f.tok = &c->tok;
	/* {"$s": schema, fields...} */
	rc = open_container(&f, &i, c->tok.n, '{', 0, &done);
	if (rc == 0 && done)
		rc = sjtok_fail(&c->tok, i, "no schema");
	if (rc == 0)
		rc = member_key(&f, &i, c->tok.n, &key);
	if (rc == 0 && !sjtok_span_is(&c->tok, key, "$s"))
		rc = sjtok_fail(&c->tok, key.off, "schema not first");
	if (rc == 0)
		rc = new_node(&f, &root);
	if (rc == 0)
		rc = parse_schema(&f, &i, c->tok.n, 1, root);
	if (rc == 0)
		rc = next_member(&f, &i, c->tok.n, '}', &done);
	if (rc == 0) /* the fields, after the schema */
		rc = conv_members(&f, &i, c->tok.n, out, root, 0, true, done);
	if (rc == 0 && sjtok_skip_ws(&c->tok, i, c->tok.n) != c->tok.n)
		rc = sjtok_fail(&c->tok, i, "bytes after the row's object");
	free(f.t.nodes);
	free(f.t.props);
	free(f.t.keys);
	free(f.t.items);
	return rc;
}
