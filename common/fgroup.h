/* fgroup.h - files documents grouped (docs/schema.md, "Grouped files
 * documents"): the closed-file and operation documents of one container
 * (same host, boot_id, docker_id; per_process: of one process, same
 * proc_id too) collected between two flushes are stored as ONE document
 *
 *   {_id: "<first member's _id>:g", host, boot_id, docker_id?, proc_id,
 *    pid, tgid, docs: [{_id, op, filename, ...}, ...]}
 *
 * FerretDB costs ~10 us per document and ~2.5 us per field on writes, and
 * reads ~7,000 documents a second. The group's proc_id, pid, tgid are its
 * first member's. A member leaves out what the group holds (host,
 * boot_id, docker_id; proc_id, pid, tgid when equal to the group's) and
 * the date twin of a time it also has in ns (open_timestamp,
 * close_timestamp, timestamp, then_timestamp); it keeps its own _id and
 * everything else. Only documents with a string _id, host, boot_id,
 * proc_id and int32 pid, tgid are grouped (godo's always are), so a
 * member without one of those fields got it from the group. Bounded:
 * FGROUP_BYTES of members, FGROUP_MEMBERS members, FGROUP_SLOTS groups
 * open at once (a full table is emitted whole). A group of one member is
 * emitted as that member alone, flat (the older shape without the date
 * twins). fgroup_each reads both shapes back, one flat document per
 * member.
 *
 * Pure: no store, no clock. The emit callback gets each finished document
 * (borrowed for the call); its -1 is counted in failed, nothing else. */
#ifndef GODO_FGROUP_H
#define GODO_FGROUP_H

#include <bson/bson.h>
#include <stdbool.h>
#include <stdint.h>

#define FGROUP_FIELD "docs" /* the members' array */
#define FGROUP_ID_SUFFIX ":g"
#define FGROUP_SLOTS 256
#define FGROUP_BYTES (16 * 1024)
#define FGROUP_MEMBERS 128 /* far below digest.h's 512 fields */

typedef int fgroup_emit_fn(const bson_t *doc, void *arg);

struct fgroup_slot {
	uint32_t hash;  /* of key */
	char *key;      /* host, boot_id, docker_id[, proc_id] (owned) */
	bson_t *head;   /* the group's own fields, _id first */
	bson_t *arr;    /* the members, "0", "1", ... */
	unsigned int n; /* members */
};

struct fgroup {
	struct fgroup_slot slot[FGROUP_SLOTS];
	unsigned int nslot;
	fgroup_emit_fn *emit;
	void *arg;
	bool per_process; /* key on proc_id too */
	uint64_t docs_in, docs_out, failed;
};

void fgroup_init(struct fgroup *g, fgroup_emit_fn *emit, void *arg,
                 bool per_process);
/* doc (a files document as docbuild.c builds it, with _id; borrowed)
 * joins its container's (process's) group. A document without a string _id,
 * host, boot_id, proc_id or int32 pid, tgid is emitted at once, as given. -1
 * when out of memory (logged; doc was emitted as given). */
int fgroup_add(struct fgroup *g, const bson_t *doc);
/* Emits every open group (at a flush) and empties the table. */
void fgroup_flush(struct fgroup *g);
/* fgroup_flush, then frees the table. */
void fgroup_fini(struct fgroup *g);
/* FNV-1a 32 of p[0..n): the table's key hash (the write-back's hold
 * ring hashes paths with it too). */
uint32_t fgroup_hash(const char *p, size_t n);
/* True when doc is a grouped document (has the docs array). */
bool fgroup_is_group(const bson_t *doc);
/* Calls fn once per member of a grouped doc with the member's fields plus
 * the group's (host, boot_id, proc_id, ...; the member's win), else once
 * with doc itself. Stops at fn's first -1 and returns it. A member that
 * is not a document is skipped (one debug line); the others are read. */
int fgroup_each(const bson_t *doc, fgroup_emit_fn *fn, void *arg);

#endif
