/*
 * workload.c - the load bench/compare.sh runs under each recorder.
 *
 * N worker processes loop until the time is up.  One loop is, by default,
 * peers.md's: fork + execve of a tiny program (/bin/true), open a new file
 * for write, 4 writes, close, unlink.  Knobs change the mix.  At the end one
 * machine-readable line of key=value pairs goes to stdout, e.g.
 *
 *   loops=19000 seconds=8.001 loops_per_s=2374.7 syscalls_per_loop=11 ...
 *
 * syscalls_per_loop counts the system calls the workload's own code issues
 * (fork, wait4, execve, the child's exit_group, open, write..., close,
 * rename, unlink, thread create/exit/join); the startup of the exec'd program
 * (dynamic loader, libc init) is not counted.  cpu_s is the CPU time of the
 * workload and everything it ran (user + system).
 *
 * The binary is linked statically so that "-exec static" can re-execute the
 * binary itself as the tiny program: with argv[1] == TINY_ARG, main()
 * returns at once, before anything else runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TINY_ARG "--workload-tiny"
#define WORKERS_MAX 256
#define WRITE_LEN 64

extern char **environ;

struct opts {
	int workers;
	double seconds;
	double rate;      /* loops/s over all workers, 0 = full speed */
	const char *exec; /* program path, or NULL for no fork/exec */
	int threads;      /* create and join a thread per loop */
	int writes;       /* writes per file, -1 = no file step */
	int rename;
	int unlink;
	const char *dir;
	char self[PATH_MAX]; /* this binary, for -exec static */
};

/* Shared between the parent and the workers (MAP_SHARED | MAP_ANONYMOUS). */
struct shared {
	atomic_int stop;
	atomic_ullong loops[WORKERS_MAX];
	atomic_ullong errors[WORKERS_MAX];
};

static void
usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: workload [-workers N] [-seconds S] [-rate R] [-exec PROG]\n"
	    "                [-threads] [-files N] [-rename] [-unlink[=0|1]]\n"
	    "                [-dir DIR]\n"
	    "  -workers N   worker processes (default 2)\n"
	    "  -seconds S   run time (default 8)\n"
	    "  -rate R      loops/s over all workers, 0 = full speed "
	    "(default 0)\n"
	    "  -exec PROG   fork + execve PROG each loop (default /bin/true);\n"
	    "               'static' = this static binary as a tiny "
	    "program,\n"
	    "               'none' = no fork/exec\n"
	    "  -threads     create and join one thread per loop (default "
	    "off)\n"
	    "  -files N     open a new file for write, N writes, close; "
	    "-1 = no\n"
	    "               file step (default 4)\n"
	    "  -rename      rename the file before unlink (default off)\n"
	    "  -unlink      unlink the file (default on; -unlink=0 keeps it)\n"
	    "  -dir DIR     scratch directory (default a new /tmp/"
	    "godo-workload.*)\n");
}

static int
parse_num(const char *name, const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "workload: bad value for -%s: '%s'\n", name, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_bool(const char *name, const char *s, int *out)
{
	if (s == NULL || strcmp(s, "1") == 0 || strcmp(s, "true") == 0)
		*out = 1;
	else if (strcmp(s, "0") == 0 || strcmp(s, "false") == 0)
		*out = 0;
	else {
		fprintf(stderr, "workload: bad value for -%s: '%s'\n", name, s);
		return -1;
	}
	return 0;
}

/*
 * Flags: -name value, -name=value, --name..., booleans bare or =0/1.
 * Returns 0, or -1 after printing why (2 is the exit code then).
 */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		char name[32];
		const char *a = argv[i], *val, *eq;
		double d;
		size_t n;

		if (a[0] != '-')
			goto bad;
		a += (a[1] == '-') ? 2 : 1;
		eq = strchr(a, '=');
		n = eq != NULL ? (size_t)(eq - a) : strlen(a);
		if (n == 0 || n >= sizeof(name))
			goto bad;
		memcpy(name, a, n);
		name[n] = '\0';
		val = eq != NULL ? eq + 1 : NULL;

		if (strcmp(name, "h") == 0 || strcmp(name, "help") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strcmp(name, "threads") == 0) {
			if (parse_bool(name, val, &o->threads) != 0)
				return -1;
			continue;
		}
		if (strcmp(name, "rename") == 0) {
			if (parse_bool(name, val, &o->rename) != 0)
				return -1;
			continue;
		}
		if (strcmp(name, "unlink") == 0) {
			if (parse_bool(name, val, &o->unlink) != 0)
				return -1;
			continue;
		}
		/* The rest take a value. */
		if (strcmp(name, "workers") != 0 &&
		    strcmp(name, "seconds") != 0 && strcmp(name, "rate") != 0 &&
		    strcmp(name, "files") != 0 && strcmp(name, "exec") != 0 &&
		    strcmp(name, "dir") != 0)
			goto bad;
		if (val == NULL) {
			if (i + 1 >= argc) {
				fprintf(stderr, "workload: -%s needs a value\n",
				        name);
				return -1;
			}
			val = argv[++i];
		}
		if (strcmp(name, "workers") == 0) {
			if (parse_num(name, val, 1, WORKERS_MAX, &d) != 0)
				return -1;
			o->workers = (int)d;
		} else if (strcmp(name, "seconds") == 0) {
			if (parse_num(name, val, 0.01, 86400, &d) != 0)
				return -1;
			o->seconds = d;
		} else if (strcmp(name, "rate") == 0) {
			if (parse_num(name, val, 0, 1e9, &d) != 0)
				return -1;
			o->rate = d;
		} else if (strcmp(name, "files") == 0) {
			if (parse_num(name, val, -1, 1e6, &d) != 0)
				return -1;
			o->writes = (int)d;
		} else if (strcmp(name, "exec") == 0) {
			if (strcmp(val, "none") == 0)
				o->exec = NULL;
			else if (strcmp(val, "static") == 0)
				o->exec = o->self;
			else
				o->exec = val;
		} else if (strcmp(name, "dir") == 0) {
			o->dir = val;
		} else
			goto bad;
	}
	return 0;
bad:
	fprintf(stderr, "workload: unknown argument '%s'\n", argv[i]);
	usage(stderr);
	return -1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
tv_s(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static void *
thread_fn(void *arg)
{
	return arg;
}

/* One loop of the mix.  Returns the number of failed steps. */
static unsigned
loop_once(const struct opts *o, int id, unsigned long long n)
{
	static const char buf[WRITE_LEN] = "godo bench workload line\n";
	char path[PATH_MAX], path2[PATH_MAX];
	unsigned err = 0;
	int i, fd, st;
	pid_t pid;

	if (o->exec != NULL) {
		char *argv[] = {(char *)o->exec, NULL, NULL};

		if (o->exec == o->self)
			argv[1] = TINY_ARG;
		pid = fork();
		if (pid == 0) {
			execve(o->exec, argv, environ);
			_exit(127);
		}
		if (pid < 0)
			err++;
		else if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		         WEXITSTATUS(st) != 0)
			err++;
	}
	if (o->threads) {
		pthread_t t;

		if (pthread_create(&t, NULL, thread_fn, NULL) != 0)
			err++;
		else
			pthread_join(t, NULL);
	}
	if (o->writes >= 0) {
		snprintf(path, sizeof(path), "%s/w%d.%llu", o->dir, id, n);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			return err + 1;
		for (i = 0; i < o->writes; i++)
			if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
				err++;
		if (close(fd) != 0)
			err++;
		if (o->rename) {
			snprintf(path2, sizeof(path2), "%s/r%d.%llu", o->dir,
			         id, n);
			if (rename(path, path2) != 0)
				err++;
			else
				memcpy(path, path2, sizeof(path));
		}
		if (o->unlink && unlink(path) != 0)
			err++;
	}
	return err;
}

static int
syscalls_per_loop(const struct opts *o)
{
	int n = 0;

	if (o->exec != NULL)
		n += 4; /* fork, wait4, execve, child's exit_group */
	if (o->threads)
		n += 3; /* clone3, thread exit, futex (join) */
	if (o->writes >= 0)
		n += 2 + o->writes + o->rename + o->unlink;
	return n;
}

static void
worker(const struct opts *o, struct shared *sh, int id, int gofd)
{
	double per = o->rate > 0 ? o->rate / o->workers : 0;
	double t0, due, slack;
	unsigned long long n;
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Wait until the parent closes the pipe: all start together. */
	while (read(gofd, &c, 1) < 0 && errno == EINTR)
		;
	t0 = now_s();
	for (n = 0; !atomic_load_explicit(&sh->stop, memory_order_relaxed);
	     n++) {
		unsigned e;

		if (per > 0) {
			due = t0 + (double)n / per;
			slack = due - now_s();
			if (slack > 0) {
				struct timespec ts;

				ts.tv_sec = (time_t)slack;
				ts.tv_nsec =
				    (long)((slack - (double)ts.tv_sec) * 1e9);
				nanosleep(&ts, NULL);
			}
		}
		e = loop_once(o, id, n);
		if (e != 0)
			atomic_fetch_add_explicit(&sh->errors[id], e,
			                          memory_order_relaxed);
		atomic_fetch_add_explicit(&sh->loops[id], 1,
		                          memory_order_relaxed);
	}
	_exit(0);
}

int
main(int argc, char **argv)
{
	struct opts o = {
	    .workers = 2,
	    .seconds = 8,
	    .rate = 0,
	    .exec = "/bin/true",
	    .threads = 0,
	    .writes = 4,
	    .rename = 0,
	    .unlink = 1,
	    .dir = NULL,
	};
	char tmpl[] = "/tmp/godo-workload.XXXXXX";
	unsigned long long loops = 0, errors = 0;
	struct shared *sh;
	struct timespec ts;
	double t0, t1, el, cpu;
	struct rusage ru_self, ru_kids;
	int i, go[2], made_dir = 0;
	pid_t pids[WORKERS_MAX];
	ssize_t len;

	if (argc == 2 && strcmp(argv[1], TINY_ARG) == 0)
		return 0;

	len = readlink("/proc/self/exe", o.self, sizeof(o.self) - 1);
	if (len < 0) {
		perror("workload: readlink /proc/self/exe");
		return 1;
	}
	o.self[len] = '\0';
	if (parse_args(argc, argv, &o) != 0)
		return 2;
	if (o.exec != NULL && access(o.exec, X_OK) != 0) {
		fprintf(stderr, "workload: cannot execute %s: %s\n", o.exec,
		        strerror(errno));
		return 1;
	}
	if (o.dir != NULL && o.writes >= 0) {
		struct stat sb;

		if (stat(o.dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			fprintf(stderr, "workload: -dir %s: not a directory\n",
			        o.dir);
			return 1;
		}
	}
	if (o.dir == NULL && o.writes >= 0) {
		if (mkdtemp(tmpl) == NULL) {
			perror("workload: mkdtemp");
			return 1;
		}
		o.dir = tmpl;
		made_dir = 1;
	}

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
	          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("workload: mmap");
		return 1;
	}
	atomic_init(&sh->stop, 0);
	if (pipe2(go, O_CLOEXEC) != 0) {
		perror("workload: pipe");
		return 1;
	}
	fflush(stdout);
	for (i = 0; i < o.workers; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("workload: fork");
			return 1;
		}
		if (pids[i] == 0) {
			close(go[1]);
			worker(&o, sh, i, go[0]);
		}
	}
	close(go[0]);
	t0 = now_s();
	close(go[1]); /* go */

	ts.tv_sec = (time_t)o.seconds;
	ts.tv_nsec = (long)((o.seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	/* Count at the deadline; loops finishing after it are not counted. */
	t1 = now_s();
	for (i = 0; i < o.workers; i++)
		loops += atomic_load(&sh->loops[i]);
	atomic_store(&sh->stop, 1);
	for (i = 0; i < o.workers; i++) {
		while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
			;
		errors += atomic_load(&sh->errors[i]);
	}
	el = t1 - t0;
	/* Workers are reaped, so this includes them and their children. */
	getrusage(RUSAGE_SELF, &ru_self);
	getrusage(RUSAGE_CHILDREN, &ru_kids);
	cpu = tv_s(&ru_self.ru_utime) + tv_s(&ru_self.ru_stime) +
	      tv_s(&ru_kids.ru_utime) + tv_s(&ru_kids.ru_stime);

	if (made_dir) {
		/* With -unlink=0 the files stay; remove what we made. */
		char cmd[PATH_MAX + 32];

		if (!o.unlink) {
			snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", o.dir);
			if (system(cmd) != 0)
				fprintf(stderr,
				        "workload: could not remove "
				        "%s\n",
				        o.dir);
		} else if (rmdir(o.dir) != 0)
			fprintf(stderr, "workload: rmdir %s: %s\n", o.dir,
			        strerror(errno));
	}

	printf("loops=%llu seconds=%.3f loops_per_s=%.1f "
	       "syscalls_per_loop=%d syscalls_per_s=%.0f workers=%d rate=%g "
	       "exec=%s threads=%d files=%d rename=%d unlink=%d errors=%llu "
	       "cpu_s=%.2f\n",
	       loops, el, (double)loops / el, syscalls_per_loop(&o),
	       (double)loops * syscalls_per_loop(&o) / el, o.workers, o.rate,
	       o.exec == NULL ? "none" : (o.exec == o.self ? "static" : o.exec),
	       o.threads, o.writes, o.rename, o.unlink, errors, cpu);
	return 0;
}
