/* decode.h - godo's raw documents (docs/schema.md) into the model's
 * structs: pure BSON in, owned values out, no store. Every string field
 * may be a BSON string or BSON binary (subtype 0) holding bytes that are
 * not valid UTF-8 (docs/schema.md, Strings): both are read as bytes. A
 * field of the wrong type reads as absent; a document without the fields
 * that identify it is refused (-1, one debug line). */
#ifndef GODO_DECODE_H
#define GODO_DECODE_H

#include <bson/bson.h>

#include "model.h"

/* A pids document into t (zeroed first; owned by the caller after 0).
 * Fills tgid (= pid), thread (pid != tgid), code/signal from a wait
 * status, ns from dates when missing. -1 when it has no usable _id or
 * pid (t left empty). */
int decode_task(const bson_t *doc, struct task *t);
/* The document's _id as a malloc'd C string (up to its first NUL), NULL
 * when absent or not a string. */
char *decode_id(const bson_t *doc);
/* The document's _id of any type, to name a document that could not be
 * read: a string as is (up to a NUL), ObjectId(hex), a number in decimal,
 * else its BSON type. malloc'd; NULL when there is no _id. */
char *decode_any_id(const bson_t *doc);
/* True when the document's numeric start_ns is at most until (+ the
 * clock tolerance), as the store evaluates $lte: a document without one
 * does not match. Always true for an open until (INT64_MAX). */
bool decode_starts_by(const bson_t *doc, int64_t until);

/* A files or fds document: the file (owner unset) and its links. */
struct file_doc {
	struct file f;
	char *proc_id;          /* process_id: the owner's task id */
	struct bytes new_path;  /* rename target (of f or of the joined op) */
	struct bytes new_given; /* its name as given (new_raw_path) */
	bool new_unverified;    /* new_path_unverified */
	bool joined;            /* then_op present (docs/schema.md) */
	enum file_op then_op;   /* FOP_OPEN: an unknown then_op */
	int64_t then_ns;
	char *then_proc;
};

/* -1 when it has no usable _id or process_id (d left empty). */
int decode_file(const bson_t *doc, struct file_doc *d);
void decode_file_free(struct file_doc *d);
/* A gaps document; fields absent stay NULL / NS_NONE / 0. */
void decode_gap(const bson_t *doc, struct gap *g);

/* A containers document (docs/schema.md) into c (zeroed first; the
 * caller's after 0, freed with model_container_free): lists cut at
 * ARGS_MAX_COUNT. -1 when it has no docker_id or host (c left empty). */
int decode_container(const bson_t *doc, struct container *c);

#endif
