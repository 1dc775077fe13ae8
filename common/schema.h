/* schema.h - collection and field names of godo's documents, once, and the
 * caps that keep every document bounded. docs/schema.md is the prose. */
#ifndef GODO_SCHEMA_H
#define GODO_SCHEMA_H

#define DEFAULT_MONGO "127.0.0.1:27017"
#define DEFAULT_RAW_DB "test"
#define DEFAULT_OUT_DB "cooked"

/* raw collections */
#define COLL_PIDS "pids"             /* one document per task incarnation */
#define COLL_FDS "fds"               /* files open at the last flush */
#define COLL_FILES "files"           /* closed files, path and metadata ops */
#define COLL_GAPS "gaps"             /* intervals where events may be missing */
#define COLL_RUNS "runs"             /* one document per godo start */
#define COLL_CONTAINERS "containers" /* a container's identity, per change */
#define COLL_CHAIN "chain" /* tamper evidence: links over the others */

/* every document */
#define F_ID "_id"
#define F_HOST "host"
#define F_BOOT "boot_id"

/* pids */
#define F_PID "pid"
#define F_TGID "tgid"
#define F_THREAD "thread"
#define F_PPID "ppid"
#define F_PARENT_TGID "parent_tgid"
#define F_PARENT_ID "parent_id" /* _id of the fork-time parent process */
#define F_START_TICKS "start_ticks"
#define F_START_TS "start_timestamp"
#define F_START_NS "start_ns"
#define F_STAR "star"
#define F_COMM "comm"
#define F_EXE "exe"
#define F_CWD "cwd"
#define F_ARGS "args"
#define F_ARGS_TRUNC "args_truncated"
/* argv cut by godo's cap (docs/schema.md "Cut arguments", h-fid) */
#define F_ARGS_CUT "args_cut" /* [{index, length, tail}] */
#define F_ARGS_CUT_INDEX "index"
#define F_ARGS_CUT_LENGTH "length"
#define F_ARGS_CUT_TAIL "tail"
#define F_ARGS_CUT_LOST "args_cut_lost" /* cut arguments without a tail */
#define F_ARGS_SHA256 "args_sha256"     /* the whole argv, NUL-separated */
#define F_ARGS_SOURCE "args_source" /* "proctitle": not from EXECVE; "none" */
#define F_EXECVE "execve"
#define F_EXECVE_COUNT "execve_count"
#define F_EXEC_TS "timestamp"
#define F_EXEC_NS "ns"
#define F_EXIT_TS "exit_timestamp"
#define F_EXIT_NS "exit_ns"
#define F_EXIT_STATUS "exit_status"
#define F_EXIT_CODE "exit_code"
#define F_EXIT_SIGNAL "exit_signal"
#define F_DOCKER_ID "docker_id"
#define F_ROOTFS "rootfs"
#define F_SETNS "setns"
#define F_SOURCE "source"
#define F_FINAL_OF "final_of" /* a task's final document: the task's _id */

/* fds and files */
#define F_PROC_ID "proc_id" /* _id of the owning process (tgid leader) */
#define F_TASK_ID "task_id" /* _id of the task (thread) that opened it */
#define F_OP "op"           /* "open", "rename", "unlink" */
#define F_FILENAME "filename"
#define F_NEW_FILENAME "new_filename"
#define F_FD "fd"
#define F_FLAGS "flags"
#define F_OPEN_TS "open_timestamp"
#define F_OPEN_NS "open_ns"
#define F_CLOSE_TS "close_timestamp"
#define F_CLOSE_NS "close_ns"
#define F_CLOSE_BY "closed_by" /* "close", "exit", "reuse", "shutdown" */
#define F_OP_TS "timestamp"
#define F_OP_NS "ns"
/* an unlink or rename right after the close, joined to the file's
 * document (docs/schema.md) */
#define F_THEN_OP "then_op"
#define F_THEN_TS "then_timestamp"
#define F_THEN_NS "then_ns"
#define F_THEN_PROC_ID "then_proc_id"
#define F_THEN_PID "then_pid"
#define F_WRITTEN "written" /* first WRITTEN_MAX write times */
#define F_WRITE_COUNT "write_count"
#define F_WRITE_BYTES "write_bytes"
#define F_FIRST_WRITE "first_write_ns"
#define F_LAST_WRITE "last_write_ns"
/* metadata operations (docs/schema.md) */
#define F_TARGET "target" /* link: the existing name; symlink: content */
#define F_MODE "mode"     /* chmod, mkdir, mknod: permission bits */
#define F_UID "uid"       /* chown: new owner, -1 unchanged */
#define F_GID "gid"
#define F_TYPE "type" /* mknod: "fifo", "char", "block", "file", "socket" */
/* more operations and open-file fields (docs/schema.md, h-fid) */
#define F_MAPPED "mapped"           /* open file mapped writable and shared */
#define F_MAPPED_NS "mapped_ns"     /* its first such mapping */
#define F_EXCHANGE "exchange"       /* rename: the two names were swapped */
#define F_RDEV "rdev"               /* mknod: "major:minor" of a device node */
#define F_FALLOC_MODE "falloc_mode" /* fallocate: "punch-hole,keep-size" */
#define F_OFFSET "offset"           /* fallocate: range start */
#define F_LENGTH "length"           /* fallocate: range length */
#define F_MOUNT_SOURCE "source"     /* mount: a bind mount's source path */
#define F_INODE "inode"             /* open_by_handle_at: the file opened */
#define F_DEV "dev"                 /* its device, "major:minor" */

/* truthful paths (docs/schema.md "Paths", h-paths) */
#define F_RAW_PATH "raw_path"               /* the name as given */
#define F_PATH_UNVERIFIED "path_unverified" /* filename not confirmed */
#define F_NEW_RAW_PATH "new_raw_path"       /* rename: new name as given */
#define F_NEW_PATH_UNVERIFIED "new_path_unverified"
#define F_CWD_UNKNOWN "cwd_unknown" /* the kernel printed no cwd path */
#define F_TMPFILE "tmpfile"         /* opened O_TMPFILE */
/* the same for a link's target and a bind mount's source (h-fid2) */
#define F_TARGET_RAW_PATH "target_raw_path"
#define F_TARGET_UNVERIFIED "target_unverified"
#define F_SOURCE_RAW_PATH "source_raw_path"
#define F_SOURCE_UNVERIFIED "source_unverified"

/* inherited descriptors (docs/schema.md, h-fds) */
#define F_WRITERS "writers"           /* _ids of processes that wrote */
#define F_WRITERS_MORE "writers_more" /* writes by processes not listed */

/* gaps */
#define F_GAP_FROM "from"
#define F_GAP_TO "to"
/* "audit", "connector", "restart", "spool", "rules", "disabled", "daemon",
 * "reasm_aged", "reasm_flood", "reasm_evicted", "reasm_flushed",
 * "reasm_cut", "mem_docs" */
#define F_GAP_SOURCE "source"
#define F_GAP_COUNT "count"
#define F_GAP_FROM_NS "from_ns"
#define F_GAP_TO_NS "to_ns"

/* runs (also F_PID, F_START_TS, F_START_NS) */
#define F_VERSION "version"
#define F_STOP_TS "stop_timestamp"
#define F_LAST_SEEN_NS "last_seen_ns"

/* containers (also F_DOCKER_ID, F_ROOTFS; docs/schema.md) */
#define F_CT_NAME "name"
#define F_CT_IMAGE "image"       /* the reference it was started from */
#define F_CT_IMAGE_ID "image_id" /* sha256:... */
#define F_CT_LABELS "labels"     /* [{key, value}] */
#define F_CT_KEY "key"
#define F_CT_VALUE "value"
#define F_CT_COMPOSE_PROJECT "compose_project"
#define F_CT_COMPOSE_SERVICE "compose_service"
#define F_CT_K8S_POD "k8s_pod"
#define F_CT_K8S_NAMESPACE "k8s_namespace"
#define F_CT_K8S_CONTAINER "k8s_container"
#define F_CT_CREATED "created" /* Docker's RFC 3339 strings, as written */
#define F_CT_STARTED "started"
#define F_CT_RUNNING "running"
#define F_CT_INIT_PID "init_pid"
#define F_CT_PRIVILEGED "privileged"
#define F_CT_CAP_ADD "cap_add"
#define F_CT_NETWORK "network_mode"
#define F_CT_MOUNTS "mounts" /* [{type, source, destination, rw}] */
#define F_CT_MTYPE "type"
#define F_CT_MSOURCE "source"
#define F_CT_MDEST "destination"
#define F_CT_MRW "rw"
#define F_CT_TRUNC "truncated" /* a list or string was cut */
#define F_CT_SEEN_TS "seen_timestamp"
#define F_CT_SEEN_NS "seen_ns"

/* values of F_OP */
#define OP_OPEN "open"
#define OP_RENAME "rename"
#define OP_UNLINK "unlink"
#define OP_TRUNCATE "truncate"
#define OP_CHMOD "chmod"
#define OP_CHOWN "chown"
#define OP_SETXATTR "setxattr"
#define OP_REMOVEXATTR "removexattr"
#define OP_UTIMES "utimes"
#define OP_LINK "link"
#define OP_SYMLINK "symlink"
#define OP_MKDIR "mkdir"
#define OP_RMDIR "rmdir"
#define OP_MKNOD "mknod"
#define OP_FALLOCATE "fallocate"
#define OP_MOUNT "mount"
#define OP_UMOUNT "umount"
#define OP_OPEN_BY_HANDLE "open_by_handle_at"

/* chain links (also F_ID, F_HOST; every chained document has DIGEST_FIELD
 * "dg", common/digest.h) */
#define F_CHAIN_RUN "run"
#define F_CHAIN_SEQ "seq"
#define F_CHAIN_PREV "prev"         /* the previous link's dg; null at seq 0 */
#define F_CHAIN_PREV_RUN "prev_run" /* seq 0: {run, seq, prev} last head */
#define F_CHAIN_FROM "from"
#define F_CHAIN_TO "to"
#define F_CHAIN_FROM_NS "from_ns"
#define F_CHAIN_TO_NS "to_ns"
#define F_CHAIN_N "n"
#define F_CHAIN_ENTRIES "entries" /* [{c, i, d}]: links before 2026-12-01 */
#define F_CHAIN_ENTS "ents"       /* the entries packed (chainent.h) */
#define F_CHAIN_COLL "c"
#define F_CHAIN_ID "i"
#define F_CHAIN_DIGEST "d"

/* caps: no document may pass 16 MiB, no array grows without bound */
#define ARGS_MAX_BYTES (32 * 1024) /* one exec's argv, all args together */
#define ARGS_MAX_COUNT 1024
#define PATH_MAX_BYTES 4096
#define EXECVE_MAX 16   /* execve entries kept per task; execve_count counts */
#define WRITERS_MAX 8   /* writers kept per open file (fdtab.h) */
#define COMM_LEN_MAX 15 /* the kernel's comm: TASK_COMM_LEN - 1 bytes */
#define WRITTEN_MAX 16  /* write times kept per file; write_count counts */

#endif
