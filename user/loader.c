// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Hook choice, load and attach. Every candidate set of hooks is really
 * loaded and attached, in order of preference; the first that works wins:
 *   state hook:  tp_btf, then the raw tracepoint, then the classic one
 *   call hooks:  fentry/fexit, then kprobe/kretprobe, then syscall tracepoints
 *                (exits alone where bpf_task_pt_regs() is, 5.15+, else
 *                entries and exits)
 * A forced choice (--state-hook, --hooks) is tried alone and its failure is
 * the error. The cgroup hooks are extras: without them, UDP closes are only
 * found by snapshots. So are the fentry and kprobe families' hooks on MPTCP's
 * own bind, listen and connect: without them those calls go unreported.
 */
#include "loader.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/types.h>

#include "clock.h"
#include "hook_probe.h"
#include "life_gc.h"
#include "own_mounts.h"
#include "privs.h"
#include "ring_spill.h"
#include "rings.h"
#include "settled_count.h"
#include "socktrace_abi.h"
#include "queue.skel.h"
#include "unix.skel.h"
#include "unix_close_cast.skel.h"
#include "syscalls_cast.skel.h"
#include "trace.skel.h"
#include "warn.h"

/* the most a run attaches: the kprobe family with its syscall rescues, MPTCP,
 * cgroup and queue hooks, plus the UNIX object's entries and exits (5.10) */
#define MAX_LINKS 96
/* a record being written holds back those behind it: a few microseconds */
#define BLOCKED_WAIT_US 20
/* spilled records handled between two looks at the ring: half a millisecond */
#define SPILL_BATCH 1024
/* a storm's spill memory is kept this long after its last record */
#define SPILL_KEEP_NS (2000ull * 1000000ull)
/* tests: spill whatever waits, to take the spill's path often */
#define SPILL_TEST_ENV "SOCKTRACE_TEST_SPILL"

/*
 * The main object's programs, by hook set: the loader keeps one state set and
 * at most one call set (none: the syscall exits of syscalls_cast.bpf.c), and
 * the cgroup set where it may.
 */
enum hook_set {
	SET_TP_BTF,
	SET_TP_BTF_KEEP, /* the same for life, its ended hash entries kept */
	SET_RAW_TP,	 /* the raw state tracepoint */
	SET_TRACEPOINT,	 /* the classic state tracepoint */
	SET_FENTRY,
	SET_KPROBE,
	SET_KPROBE_RESCUE, /* syscall exits for kretprobes the kernel missed */
	SET_FENTRY_MPTCP,  /* MPTCP's own calls, where the kernel has each function */
	SET_KPROBE_MPTCP,
	SET_SYSCALLS,
	SET_SYSCALLS_SAVED, /* entries save the arguments: before bpf_task_pt_regs() */
	SET_CGROUP,
	SET_NONE,
};
#define SET_MAX 12

struct loader {
	struct trace_bpf *skel;
	struct bpf_link *links[MAX_LINKS];
	int nlinks;
	struct rings rings;	 /* the CPUs' ring buffers (user/rings.h) */
	struct ring_spill spill; /* records moved out while the consumer is behind */
	uint64_t spill_at;	 /* when it last held some */
	uint64_t ring_size;	 /* all the rings' bytes together */
	uint32_t wakeup_bytes;	 /* every object's wakeup_bytes: an eighth of a ring */
	unsigned int cpus;	 /* the rings map's slots: the possible CPUs */
	record_fn fn;
	void *ctx;
	enum hook_choice state, calls;
	enum hook_set state_set, call_set;
	/* why a better state hook or call variant was refused, "" if none was */
	char state_why[200], calls_why[200];
	bool state_refused;		/* the last try failed on a program of the state set */
	struct syscalls_cast_bpf *cast; /* the syscall exits through bpf_rdonly_cast() */
	struct queue_bpf *queue;
	enum hook_choice queue_hook;
	struct unix_bpf *unx;			/* UNIX sockets; NULL unless wanted */
	struct unix_close_cast_bpf *unix_close; /* their close() hook through rdonly_cast */
	const char *unix_release;
	int unix_links_from;  /* l->links[] from here on are the unix object's */
	bool unix_saved_args; /* its calls' arguments saved by the syscall entries */
	char unix_err[128];
	bool cgroup, cgroup_allowed;
	char cgroup_err[128];
	bool kernel_mptcp;	     /* the kernel has MPTCP (mptcp_bind in its BTF) */
	bool mptcp;		     /* the MPTCP set attached, all of what loaded */
	char mptcp_why[128];	     /* why some of it did not, "" if it did */
	struct settled_count missed; /* kernel_missed, as loader_loss() reports it */
	bool life;		     /* life_kernel is set in the loaded objects */
	bool life_tried;	     /* the last try set it */
	bool life_refused;	     /* a try with it failed where one without did not */
	char life_why[256];	     /* why life_kernel is not set, "" if it is or was not asked */
	struct bpf_link *life_gc;    /* life_hash's collector, with SET_TP_BTF_KEEP */
	bool life_gc_failed;	     /* the last try failed on it */
	bool life_gc_refused;	     /* so entries are deleted at their ends instead */
	int64_t life_dead_base;	     /* dead at the last pass, less life_dead's sum then */
};

/*
 * Connections under way that life keeps in its hash map; more go to the
 * table. Preallocated where the kernel cannot allocate entries in a tracing
 * program (before 6.1): 65,536 of about 190 bytes, 12 MB. Allocated at run
 * time otherwise: 192 bytes a connection under way, and 16 bytes a bucket
 * made at load (4 MB for 262,144).
 */
#define LIFE_HASH_ENTRIES	  65536
#define LIFE_HASH_ENTRIES_RUNTIME 262144

/*
 * --max-sockets bounds life's hash too. A smaller one is also quicker: its
 * buckets are one array probed at random, 16 bytes each, and with 8,192
 * instead of 262,144 the state hook took 7 % less time a connection.
 */
static __u32 life_hash_entries(const struct loader_cfg *cfg, __u8 store, bool runtime)
{
	__u32 cap = runtime ? LIFE_HASH_ENTRIES_RUNTIME : LIFE_HASH_ENTRIES;

	if (store != ST_LIFE_HASH)
		return 1;
	return cfg->life_capacity && cfg->life_capacity < cap ? cfg->life_capacity : cap;
}

static int verbosity;
static const char *btf_path;

void loader_set_btf(const char *path)
{
	btf_path = path;
}

const struct bpf_object_open_opts *loader_open_opts(void)
{
	static _Thread_local struct bpf_object_open_opts opts;

	opts = (struct bpf_object_open_opts){.sz = sizeof(opts), .btf_custom_path = btf_path};
	return &opts;
}
/*
 * libbpf's last word on a program that failed to load, for our one-line error:
 * the program, and the verifier's reason (the last line of its log). The
 * snapshot's iterators load in a thread of their own (snapshot.h), and
 * libbpf calls print_libbpf() in the thread that loads: one word per thread.
 */
static _Thread_local char load_failure[200];
static _Thread_local char load_prog[64];

/* libbpf prints a refused program's log as one argument of this format */
#define PROG_LOG_FMT "prog '%s': -- BEGIN PROG LOAD LOG --\n%s-- END PROG LOAD LOG --\n"

static void note_verifier_log(const char *prog, const char *log)
{
	const char *end = log + strlen(log), *line;

	/* the reason is the last line, bar the statistics some kernels add */
	for (;;) {
		while (end > log && end[-1] == '\n')
			end--;
		line = end;
		while (line > log && line[-1] != '\n')
			line--;
		if (line == log || (strncmp(line, "processed ", 10) != 0 &&
				    strncmp(line, "verification time", 17) != 0 &&
				    strncmp(line, "stack depth", 11) != 0))
			break;
		end = line;
	}
	snprintf(load_failure, sizeof(load_failure), "prog '%.40s': %.*s", prog,
		 (int)(end - line > 150 ? 150 : end - line), line);
	snprintf(load_prog, sizeof(load_prog), "%s", prog);
}

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && strstr(fmt, PROG_LOG_FMT)) {
		va_list copy;
		const char *prog, *log;

		va_copy(copy, ap);
		prog = va_arg(copy, const char *);
		log = va_arg(copy, const char *);
		va_end(copy);
		note_verifier_log(prog, log);
	} else if (level == LIBBPF_WARN) {
		char line[256];
		va_list copy;

		va_copy(copy, ap);
		vsnprintf(line, sizeof(line), fmt, copy);
		va_end(copy);
		/* the log's reason, when there was a log, says more than this */
		if (strncmp(line, "libbpf: prog '", 14) == 0 && strstr(line, "load") &&
		    !load_prog[0]) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(load_failure, sizeof(load_failure), "%.150s", line + 8);
		}
	}
	if ((level == LIBBPF_WARN && verbosity >= 1) || verbosity >= 2)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

void load_failure_reset(void)
{
	load_failure[0] = '\0';
	load_prog[0] = '\0';
}

const char *load_failure_reason(void)
{
	return load_failure;
}

void libbpf_set_verbosity(int verbose)
{
	verbosity = verbose;
	libbpf_set_print(print_libbpf);
}

#define TRACEFS		"/sys/kernel/tracing"
#define DEBUGFS_TRACING "/sys/kernel/debug/tracing"

int ensure_tracefs(void)
{
	struct stat st;

	/* libbpf looks in debugfs first, then tracefs; either one will do */
	if (stat(DEBUGFS_TRACING "/events", &st) == 0 || stat(TRACEFS "/events", &st) == 0)
		return 0;
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL) == 0)
		own_mount_note(TRACEFS, NULL);
	else if (errno != EBUSY)
		return -errno;
	return stat(TRACEFS "/events", &st) == 0 ? 0 : -ENOENT;
}

#define CGROUP2_OWN "/run/socktrace/cgroup2"

/* The cgroup v2 root, mounted where nothing has mounted it. Returns an fd. */
int open_cgroup2_root(void)
{
	char line[1024], *p, *mnt, *dash;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	while (f && fgets(line, sizeof(line), f)) {
		/* id parent maj:min root mountpoint opts... - fstype source superopts */
		dash = strstr(line, " - cgroup2 ");
		if (!dash)
			continue;
		p = strtok(line, " ");
		for (int i = 0; p && i < 3; i++)
			p = strtok(NULL, " ");
		if (!p || strcmp(p, "/") != 0)
			continue; /* a sub-tree, not the root */
		mnt = strtok(NULL, " ");
		if (mnt) {
			int fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			struct statfs sf;

			/* another socktrace may unmount the one it made at any time:
			 * what was opened must still be the cgroup2 root */
			if (fd >= 0 && fstatfs(fd, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC) {
				fclose(f);
				return fd;
			}
			if (fd >= 0)
				close(fd);
		}
	}
	if (f)
		fclose(f);
	{
		/* the directories made here go with the mount, innermost first */
		static const char *made[3];
		bool made_run = mkdir("/run/socktrace", 0700) == 0;
		int n = 0;

		if (mkdir(CGROUP2_OWN, 0700) == 0)
			made[n++] = CGROUP2_OWN;
		if (made_run)
			made[n++] = "/run/socktrace";
		if (mount("cgroup2", CGROUP2_OWN, "cgroup2", 0, NULL) == 0)
			own_mount_note(CGROUP2_OWN, made);
		else if (errno != EBUSY)
			return -errno;
	}
	{
		int fd = open(CGROUP2_OWN, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		return fd < 0 ? -errno : fd;
	}
}

static int on_sample(void *ctx, void *data, size_t len)
{
	struct loader *l = ctx;

	if (ring_spill_take(&l->spill, data, len, l->fn, l->ctx))
		return 0;
	return l->fn(l->ctx, data, len);
}

const char *hook_name(enum hook_choice h)
{
	switch (h) {
	case HOOK_TP_BTF:
		return "tp_btf";
	case HOOK_TRACEPOINT:
		return "tracepoint";
	case HOOK_FENTRY:
		return "fentry";
	case HOOK_KPROBE:
		return "kprobe";
	case HOOK_RAW_TP:
		return "raw_tp";
	default:
		return "auto";
	}
}

/*
 * A set's programs, NULL-terminated, through the skeleton's handles: the
 * compiler checks every name. state_btf comes before its rescue twin: a
 * tracepoint calls its programs in attach order, and the twin relies on
 * running second.
 */
static void set_progs(const struct trace_bpf *s, enum hook_set set,
		      struct bpf_program *out[SET_MAX + 1])
{
	struct bpf_program *const sets[SET_NONE][SET_MAX + 1] = {
		[SET_TP_BTF] = {s->progs.state_btf, s->progs.state_btf_rescue,
				s->progs.syn_retrans},
		[SET_TP_BTF_KEEP] = {s->progs.state_btf_keep, s->progs.state_btf_keep_rescue},
		[SET_RAW_TP] = {s->progs.state_raw},
		[SET_TRACEPOINT] = {s->progs.state_tp},
		[SET_FENTRY] = {s->progs.fx_inet_bind, s->progs.fx_inet6_bind,
				s->progs.fx_inet_listen, s->progs.fx_inet_csk_accept,
				s->progs.fx_inet_stream_connect, s->progs.fx_inet_dgram_connect},
		[SET_KPROBE] = {s->progs.kp_inet_bind, s->progs.kr_inet_bind,
				s->progs.kp_inet6_bind, s->progs.kr_inet6_bind,
				s->progs.kp_inet_listen, s->progs.kr_inet_listen,
				s->progs.kp_inet_csk_accept, s->progs.kr_inet_csk_accept,
				s->progs.kp_inet_stream_connect, s->progs.kr_inet_stream_connect,
				s->progs.kp_inet_dgram_connect, s->progs.kr_inet_dgram_connect},
		[SET_FENTRY_MPTCP] = {s->progs.fx_mptcp_bind, s->progs.fx_mptcp_listen,
				      s->progs.fx_mptcp_stream_connect},
		[SET_KPROBE_MPTCP] = {s->progs.kp_mptcp_bind, s->progs.kr_mptcp_bind,
				      s->progs.kp_mptcp_listen, s->progs.kr_mptcp_listen,
				      s->progs.kp_mptcp_stream_connect,
				      s->progs.kr_mptcp_stream_connect},
		[SET_KPROBE_RESCUE] = {s->progs.kp_sys_bind_exit, s->progs.kp_sys_listen_exit,
				       s->progs.kp_sys_accept4_exit, s->progs.kp_sys_accept_exit,
				       s->progs.kp_sys_connect_exit},
		[SET_SYSCALLS] = {s->progs.sys_bind_exit, s->progs.sys_listen_exit,
				  s->progs.sys_accept4_exit, s->progs.sys_accept_exit,
				  s->progs.sys_connect_exit},
		[SET_SYSCALLS_SAVED] = {s->progs.sys_bind_enter, s->progs.sys_bind_exit_saved,
					s->progs.sys_listen_enter, s->progs.sys_listen_exit_saved,
					s->progs.sys_accept4_enter, s->progs.sys_accept4_exit_saved,
					s->progs.sys_accept_enter, s->progs.sys_accept_exit_saved,
					s->progs.sys_connect_enter,
					s->progs.sys_connect_exit_saved},
		[SET_CGROUP] = {s->progs.cg_sock_create, s->progs.cg_sock_release,
				s->progs.cg_sockops},
	};

	memcpy(out, sets[set], sizeof(sets[set]));
}

static int attach_one(struct loader *l, struct bpf_program *prog, int cgfd)
{
	struct bpf_link *link;

	/* left out on purpose (skip_unneeded_calls()) */
	if (!bpf_program__autoload(prog))
		return 0;
	if (l->nlinks == MAX_LINKS)
		return -E2BIG;
	link = cgfd >= 0 ? bpf_program__attach_cgroup(prog, cgfd) : bpf_program__attach(prog);
	if (!link)
		return -errno;
	l->links[l->nlinks++] = link;
	return 0;
}

static void detach_all(struct loader *l)
{
	while (l->nlinks > 0)
		bpf_link__destroy(l->links[--l->nlinks]);
}

static enum hook_set mptcp_set(enum hook_set call_set)
{
	return call_set == SET_FENTRY	? SET_FENTRY_MPTCP
	       : call_set == SET_KPROBE ? SET_KPROBE_MPTCP
					: SET_NONE;
}

/*
 * The MPTCP extras that loaded (mptcp_autoload()): a failure costs MPTCP's
 * bind, listen and connect records, not the run, and `features` says which.
 */
static void attach_mptcp(struct loader *l)
{
	struct bpf_program *progs[SET_MAX + 1], **p;
	int err;

	set_progs(l->skel, mptcp_set(l->call_set), progs);
	for (p = progs; *p; p++) {
		if (!bpf_program__autoload(*p))
			continue;
		err = attach_one(l, *p, -1);
		if (err) {
			snprintf(l->mptcp_why, sizeof(l->mptcp_why), "attach %s: %s",
				 bpf_program__section_name(*p), strerror(-err));
			if (verbosity)
				warnf("MPTCP calls go unreported: %s", l->mptcp_why);
			l->mptcp = false;
			return;
		}
		l->mptcp = true;
	}
}

/* The state set, then the call set: the order set_progs() gives. */
static int attach_all(struct loader *l, char *why, size_t len)
{
	const enum hook_set sets[] = {l->state_set, l->call_set};
	struct bpf_program *progs[SET_MAX + 1], **p;
	int err = 0, cgfd;
	size_t i;

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]) && sets[i] != SET_NONE; i++) {
		set_progs(l->skel, sets[i], progs);
		for (p = progs; *p; p++) {
			err = attach_one(l, *p, -1);
			if (err) {
				snprintf(why, len, "attach %s: %s", bpf_program__section_name(*p),
					 strerror(-err));
				return err;
			}
		}
	}
	if (mptcp_set(l->call_set) != SET_NONE)
		attach_mptcp(l);
	/* an extra: without it a kretprobe the kernel missed is counted as lost */
	if (l->call_set == SET_KPROBE && (err = ensure_tracefs()) == 0) {
		set_progs(l->skel, SET_KPROBE_RESCUE, progs);
		for (p = progs; *p && !err; p++)
			err = attach_one(l, *p, -1);
	}
	if (err && verbosity)
		warnf_errno(err, "kretprobe misses cannot be rescued by syscall exits");

	/* extras: their failure costs UDP closes and early cookies, not the run */
	l->cgroup = false;
	l->cgroup_err[0] = '\0';
	set_progs(l->skel, SET_CGROUP, progs);
	for (p = progs; *p && !bpf_program__autoload(*p); p++)
		;
	/* none wanted (life with tp_btf): no cgroup root to find or mount */
	if (!*p)
		return 0;
	if (!l->cgroup_allowed) {
		snprintf(l->cgroup_err, sizeof(l->cgroup_err), "no CAP_NET_ADMIN");
		return 0;
	}
	cgfd = open_cgroup2_root();
	l->cgroup = cgfd >= 0;
	if (cgfd < 0)
		snprintf(l->cgroup_err, sizeof(l->cgroup_err), "no cgroup v2: %s", strerror(-cgfd));
	for (p = progs; cgfd >= 0 && *p; p++) {
		if (!bpf_program__autoload(*p))
			continue;
		err = attach_one(l, *p, cgfd);
		if (err) {
			snprintf(l->cgroup_err, sizeof(l->cgroup_err), "attach %s: %s",
				 bpf_program__section_name(*p), strerror(-err));
			l->cgroup = false;
		}
	}
	if (cgfd >= 0)
		close(cgfd);
	return 0;
}

/*
 * reuseport counts listeners and accepts: a listener's address and owner come
 * with its LISTEN and listen(), so the bind and connect hooks (a record, or
 * at least an fd lookup, a connection), sockops (a first line's source port)
 * and sock_release (UDP closes) are not loaded. Nor does life load the bind,
 * connect and release hooks: a connection's owner is its CLOSE -> SYN_SENT's
 * task, an MPTCP connection's its MPTCP socket's (t_mptcp), and a connect()
 * that failed before SYN_SENT made no connection. A UNIX connection's
 * connector comes from connect()'s return: with UNIX sockets wanted, life
 * keeps the connect hooks. A run without UDP (watch -t) needs no UDP closes.
 */
static void skip_unneeded_calls(struct bpf_object *obj, const struct loader_cfg *cfg)
{
	struct bpf_program *prog;

	if (!cfg->listeners_only && !cfg->tcp_ends_only && !cfg->no_udp)
		return;
	bpf_object__for_each_program(prog, obj)
	{
		const char *name = bpf_program__name(prog);

		if (!strcmp(name, "cg_sock_release"))
			bpf_program__set_autoload(prog, false);
		if (!cfg->listeners_only && !cfg->tcp_ends_only)
			continue;
		if (strstr(name, "bind") ||
		    (strstr(name, "connect") && (cfg->listeners_only || !cfg->want_unix)) ||
		    (cfg->listeners_only && !strcmp(name, "cg_sockops")))
			bpf_program__set_autoload(prog, false);
	}
}

/*
 * The syscall exits of syscalls_cast.bpf.c, in place of the main object's,
 * writing into its ring buffer. Kernels before 6.2 refuse them.
 */
static int load_cast_hooks(struct loader *l, const struct loader_cfg *cfg, char *why, size_t len)
{
	struct syscalls_cast_bpf *c = syscalls_cast_bpf__open_opts(loader_open_opts());
	struct bpf_program *prog;
	int err;

	if (!c) {
		err = -errno;
		snprintf(why, len, "open (rdonly_cast): %s", strerror(-err));
		return err;
	}
	c->rodata->filter_family = cfg->family;
	c->rodata->filter_no_udp = cfg->no_udp;
	c->rodata->filter_netns = cfg->netns;
	c->rodata->wakeup_bytes = l->wakeup_bytes;
	load_failure_reset();
	c->rodata->unix_calls = cfg->want_unix;
	c->rodata->life_kernel = l->skel->rodata->life_kernel;
	skip_unneeded_calls(c->obj, cfg);
	err = bpf_map__reuse_fd(c->maps.rings, bpf_map__fd(l->skel->maps.rings));
	if (!err)
		err = bpf_map__reuse_fd(c->maps.life_accepts,
					bpf_map__fd(l->skel->maps.life_accepts));
	if (!err)
		err = bpf_map__reuse_fd(c->maps.life_hash, bpf_map__fd(l->skel->maps.life_hash));
	if (!err)
		err = syscalls_cast_bpf__load(c);
	if (err) {
		snprintf(why, len, "load (rdonly_cast): %s%s%s", strerror(-err),
			 load_failure[0] ? "; " : "", load_failure);
		syscalls_cast_bpf__destroy(c);
		return err;
	}
	l->cast = c;
	bpf_object__for_each_program(prog, c->obj)
	{
		err = attach_one(l, prog, -1);
		if (err) {
			snprintf(why, len, "attach %s: %s", bpf_program__name(prog),
				 strerror(-err));
			return err;
		}
	}
	return 0;
}

/*
 * The kernel's BTF (--btf's file, else its own), read once for loader_open()'s
 * questions and freed when it is done (megabytes a long run has no use for);
 * NULL without.
 */
static struct btf *kbtf;
static bool kbtf_read;

static const struct btf *kernel_btf(void)
{
	if (!kbtf_read) {
		kbtf = btf_path ? btf__parse(btf_path, NULL) : btf__load_vmlinux_btf();
		kbtf_read = true;
	}
	return kbtf;
}

static void kernel_btf_free(void)
{
	btf__free(kbtf);
	kbtf = NULL;
	kbtf_read = false;
}

/* inet_csk_accept()'s arity: 2 since 6.10 (struct proto_accept_arg), else 4. */
static __u32 accept_nargs(void)
{
	const struct btf *btf = kernel_btf();

	return btf && btf__find_by_name_kind(btf, "proto_accept_arg", BTF_KIND_STRUCT) > 0 ? 2 : 4;
}

/*
 * 6.1's allocator for BPF programs (kernel/bpf/memalloc.c) lets a hash map
 * made without preallocation take entries in any program.
 */
static bool kernel_hash_allocates(void)
{
	const struct btf *btf = kernel_btf();

	return btf && btf__find_by_name_kind(btf, "bpf_mem_alloc", BTF_KIND_STRUCT) > 0;
}

/*
 * Where life keeps its connections. Socket storage takes 384 bytes a
 * connection (an element and the socket's storage header, 192 each), a hash
 * allocated at run time 192, and is as quick: the hash where the kernel has
 * it, socket storage for tracing programs where not, else the preallocated
 * hash. ST_LIFE_OFF: socket storage asked for without a tracing program.
 */
static __u8 life_store(const struct loader_cfg *cfg, enum hook_choice state)
{
	if (cfg->life_store == LIFE_PATH_SK_STORAGE)
		return state == HOOK_TP_BTF ? ST_LIFE_SK_STORAGE : ST_LIFE_OFF;
	if (cfg->life_store == LIFE_PATH_HASH || state != HOOK_TP_BTF || kernel_hash_allocates())
		return ST_LIFE_HASH;
	return ST_LIFE_SK_STORAGE;
}

static bool kernel_has_func(const char *name)
{
	const struct btf *btf = kernel_btf();

	return btf && btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;
}

/*
 * Each MPTCP extra loads where the kernel has its function (a kernel without
 * MPTCP has none; mptcp_stream_connect is gone where MPTCP's connect runs
 * through inet_stream_connect): a program whose target is missing fails the
 * whole object's load.
 */
static void mptcp_autoload(const struct trace_bpf *s, enum hook_set set)
{
	struct bpf_program *progs[SET_MAX + 1], **p;

	set_progs(s, set, progs);
	for (p = progs; *p; p++) {
		const char *fn = strchr(bpf_program__section_name(*p), '/');

		bpf_program__set_autoload(*p, fn && kernel_has_func(fn + 1));
	}
}

/* How the syscall family reads a call: best first. */
enum call_variant {
	CALLS_CAST,  /* syscalls_cast.bpf.c's exits, arguments from the task's registers */
	CALLS_REGS,  /* trace.bpf.c's exits, the same way */
	CALLS_SAVED, /* entries save the arguments for the exits (before 5.15) */
};

/*
 * Open, configure, load and attach with one state hook and one call family
 * (the variant matters to the syscall family only).
 */
static int try_hooks(struct loader *l, const struct loader_cfg *cfg, enum hook_choice state,
		     enum hook_choice calls, enum call_variant variant, char *why, size_t len)
{
	bool cast = calls == HOOK_TRACEPOINT && variant == CALLS_CAST, runtime_hash, keep_ended;
	struct bpf_program *prog, *progs[SET_MAX + 1], **p;
	enum hook_set set;
	int err;

	l->state_refused = false;

	if (state == HOOK_TRACEPOINT || calls == HOOK_TRACEPOINT) {
		err = ensure_tracefs();
		if (err) {
			snprintf(why, len, "tracefs is not mounted and cannot be: %s",
				 strerror(-err));
			return err;
		}
	}
	l->skel = trace_bpf__open_opts(loader_open_opts());
	if (!l->skel) {
		err = -errno;
		snprintf(why, len, "open: %s", strerror(-err));
		return err;
	}
	l->skel->rodata->filter_family = cfg->family;
	l->skel->rodata->filter_no_udp = cfg->no_udp;
	l->skel->rodata->filter_netns = cfg->netns;
	l->skel->rodata->unix_calls = cfg->want_unix;
	l->life_tried = cfg->life_kernel && !l->life_refused;
	l->skel->rodata->life_kernel = l->life_tried ? life_store(cfg, state) : ST_LIFE_OFF;
	if (l->life_tried && !l->skel->rodata->life_kernel) {
		l->life_tried = false;
		snprintf(l->life_why, sizeof(l->life_why),
			 "socket storage needs the tp_btf state hook, not %s", hook_name(state));
	}
	l->skel->rodata->wakeup_bytes = l->wakeup_bytes;
	runtime_hash = l->skel->rodata->life_kernel == ST_LIFE_HASH && kernel_hash_allocates();
	keep_ended = runtime_hash && state == HOOK_TP_BTF && !l->life_gc_refused;
	l->life_gc_failed = false;
	if (calls == HOOK_FENTRY)
		l->skel->rodata->accept_nargs = accept_nargs();
	/* cgroup programs need CAP_NET_ADMIN to load; without it they are left
	 * out and UDP closes come from snapshots */
	l->cgroup_allowed = privs_have(CAP_NET_ADMIN) || privs_have(CAP_SYS_ADMIN);
	l->state_set = state == HOOK_TP_BTF   ? keep_ended ? SET_TP_BTF_KEEP : SET_TP_BTF
		       : state == HOOK_RAW_TP ? SET_RAW_TP
					      : SET_TRACEPOINT;
	l->call_set = calls == HOOK_FENTRY     ? SET_FENTRY
		      : calls == HOOK_KPROBE   ? SET_KPROBE
		      : cast		       ? SET_NONE
		      : variant == CALLS_SAVED ? SET_SYSCALLS_SAVED
					       : SET_SYSCALLS;
	/* only the chosen sets load: a program in none of them never does */
	bpf_object__for_each_program(prog, l->skel->obj) bpf_program__set_autoload(prog, false);
	for (set = 0; set < SET_NONE; set++) {
		if (set != l->state_set && set != l->call_set &&
		    !(set == SET_CGROUP && l->cgroup_allowed) &&
		    !(set == SET_KPROBE_RESCUE && l->call_set == SET_KPROBE))
			continue;
		set_progs(l->skel, set, progs);
		for (p = progs; *p; p++)
			bpf_program__set_autoload(*p, true);
	}
	l->kernel_mptcp = kernel_has_func("mptcp_bind");
	if (mptcp_set(l->call_set) != SET_NONE)
		mptcp_autoload(l->skel, mptcp_set(l->call_set));
	l->mptcp = false;
	l->mptcp_why[0] = '\0';
	/* A connection's first line waits for its source port, which life in
	 * the kernel never does. A connect() with no answer gives it at its
	 * SYN's retransmission (syn_port.bpf.h), else at tcp_connect() through
	 * sockops, which runs nine times in each connection's life. */
	if (l->life_tried || cfg->listeners_only)
		bpf_program__set_autoload(l->skel->progs.syn_retrans, false);
	if (l->life_tried || bpf_program__autoload(l->skel->progs.syn_retrans))
		bpf_program__set_autoload(l->skel->progs.cg_sockops, false);
	/* neither does it want a cookie at socket(): it sends no TCP bind or
	 * connect record, and tp_btf makes the cookies its records need */
	if (l->life_tried && state == HOOK_TP_BTF)
		bpf_program__set_autoload(l->skel->progs.cg_sock_create, false);
	/* with SET_TP_BTF_KEEP, the collector of the ended entries it keeps */
	l->skel->rodata->life_gc_age_ns = cfg->life_gc_age_ns;
	l->skel->rodata->test_lose_end_port = cfg->test_lose_end_port;
	bpf_program__set_autoload(l->skel->progs.life_gc, keep_ended);
	skip_unneeded_calls(l->skel->obj, cfg);
	l->skel->rodata->listeners_only = cfg->listeners_only;
	l->skel->rodata->self_tgid = (__u32)getpid();
	err = bpf_map__set_max_entries(l->skel->maps.rings, l->cpus);
	/* the kernel checks each ring put in a slot against this one */
	if (!err)
		err = bpf_map__set_inner_map_fd(l->skel->maps.rings, l->rings.r[0].fd);
	if (!err)
		err = bpf_map__set_max_entries(
			l->skel->maps.life_hash,
			life_hash_entries(cfg, l->skel->rodata->life_kernel, runtime_hash));
	if (!err && runtime_hash)
		err = bpf_map__set_map_flags(l->skel->maps.life_hash, BPF_F_NO_PREALLOC);
	load_failure_reset();
	/* every question for the kernel's BTF is asked by now: freed before
	 * libbpf reads its own copy, that copy gets the same pages (startup_heap.h) */
	kernel_btf_free();
	if (!err)
		err = trace_bpf__load(l->skel);
	if (err) {
		snprintf(why, len, "load: %s%s%s", strerror(-err), load_failure[0] ? "; " : "",
			 load_failure);
		set_progs(l->skel, l->state_set, progs);
		for (p = progs; *p && load_prog[0]; p++)
			l->state_refused |= strcmp(bpf_program__name(*p), load_prog) == 0;
		/* the keeping programs are an extra: tp_btf without them next */
		l->life_gc_failed =
			keep_ended && (l->state_refused || !strcmp(load_prog, "life_gc"));
		l->state_refused &= !l->life_gc_failed;
	} else {
		err = rings_fill(&l->rings, bpf_map__fd(l->skel->maps.rings), l->cpus);
		if (err)
			snprintf(why, len, "ring buffers: %s", strerror(-err));
		else
			err = attach_all(l, why, len);
		if (!err && keep_ended) {
			l->life_gc = life_gc_attach(l->skel->progs.life_gc);
			err = l->life_gc ? 0 : -errno;
			l->life_gc_failed = err != 0;
			if (err)
				snprintf(why, len, "attach life_gc: %s", strerror(-err));
		}
		if (!err && cast && calls == HOOK_TRACEPOINT)
			err = load_cast_hooks(l, cfg, why, len);
		/* a connect's source port comes without its return (calls.bpf.h) */
		if (!err && (bpf_program__autoload(l->skel->progs.syn_retrans) ||
			     (l->cgroup && bpf_program__autoload(l->skel->progs.cg_sockops)))) {
			l->skel->bss->port_reported = 1;
			if (l->cast)
				l->cast->bss->port_reported = 1;
		}
		if (!err) {
			l->state = state;
			l->calls = calls;
			l->life = l->life_tried;
			return 0;
		}
	}
	detach_all(l);
	bpf_link__destroy(l->life_gc);
	l->life_gc = NULL;
	syscalls_cast_bpf__destroy(l->cast);
	l->cast = NULL;
	trace_bpf__destroy(l->skel);
	l->skel = NULL;
	return err;
}

/*
 * A family this kernel cannot run at all (hook_probe.h), asked once: its
 * objects are then never loaded, and @why says so. Only without --hooks: a
 * family asked for by name gets the real attempt and its real error.
 */
static bool family_refused(const struct loader_cfg *cfg, enum hook_choice fam, char *why,
			   size_t len)
{
	static int fentry = -1, kprobe = -1;
	static char fentry_why[160], kprobe_why[160];

	if (cfg->hooks != HOOK_AUTO)
		return false;
	if (fam == HOOK_FENTRY) {
		if (fentry < 0)
			fentry = hook_probe_fentry_refused(kernel_btf(), "inet_listen", fentry_why,
							   sizeof(fentry_why));
		if (fentry)
			snprintf(why, len, "%s", fentry_why);
		return fentry;
	}
	if (fam == HOOK_KPROBE) {
		if (kprobe < 0)
			kprobe = hook_probe_no_kprobes(kprobe_why, sizeof(kprobe_why));
		if (kprobe)
			snprintf(why, len, "%s", kprobe_why);
		return kprobe;
	}
	return false;
}

/*
 * The queueing hooks live in their own object, writing into the main ring
 * buffer: a kernel without any of them still traces everything else.
 */
static void load_queue_hooks(struct loader *l, const struct loader_cfg *cfg)
{
	static const enum hook_choice tries[] = {HOOK_TP_BTF, HOOK_FENTRY, HOOK_KPROBE};
	struct bpf_program *prog;
	size_t t, i;

	for (t = 0; t < sizeof(tries) / sizeof(tries[0]); t++) {
		struct bpf_program *progs[2] = {NULL, NULL};
		int nlinks = l->nlinks, err;
		struct queue_bpf *q;
		char why[160];

		if (family_refused(cfg, tries[t], why, sizeof(why)))
			continue;
		q = queue_bpf__open_opts(loader_open_opts());
		if (!q)
			return;
		if (tries[t] == HOOK_TP_BTF) {
			progs[0] = q->progs.q_ready;
		} else if (tries[t] == HOOK_FENTRY) {
			progs[0] = q->progs.q_add_fexit;
		} else {
			progs[0] = q->progs.q_add_kprobe;
			progs[1] = q->progs.q_add_kretprobe;
		}
		q->rodata->filter_family = cfg->family;
		q->rodata->filter_no_udp = cfg->no_udp;
		q->rodata->filter_netns = cfg->netns;
		bpf_object__for_each_program(prog, q->obj) bpf_program__set_autoload(prog, false);
		for (i = 0; i < 2 && progs[i]; i++)
			bpf_program__set_autoload(progs[i], true);
		err = bpf_map__reuse_fd(q->maps.rings, bpf_map__fd(l->skel->maps.rings));
		if (!err)
			err = queue_bpf__load(q);
		for (i = 0; i < 2 && progs[i] && !err; i++)
			err = attach_one(l, progs[i], -1);
		if (!err) {
			l->queue = q;
			l->queue_hook = tries[t];
			return;
		}
		while (l->nlinks > nlinks)
			bpf_link__destroy(l->links[--l->nlinks]);
		queue_bpf__destroy(q);
	}
}

/*
 * close()'s entry through bpf_rdonly_cast() (6.2+), beside a unix object
 * loaded without a release hook. 0 or -errno.
 */
static int load_unix_close_cast(struct loader *l, const struct loader_cfg *cfg)
{
	struct unix_close_cast_bpf *c = unix_close_cast_bpf__open_opts(loader_open_opts());
	int err;

	if (!c)
		return -errno;
	c->rodata->filter_netns = cfg->netns;
	c->rodata->wakeup_bytes = l->wakeup_bytes;
	err = bpf_map__reuse_fd(c->maps.rings, bpf_map__fd(l->skel->maps.rings));
	if (!err)
		err = unix_close_cast_bpf__load(c);
	if (!err)
		err = attach_one(l, c->progs.unix_close_enter_cast, -1);
	if (err) {
		unix_close_cast_bpf__destroy(c);
		return err;
	}
	l->unix_close = c;
	return 0;
}

/* Where a UNIX socket's release is seen; in the order load_unix_hooks() tries them. */
enum unix_release { R_FENTRY, R_KPROBE, R_CLOSE_CAST, R_CLOSE, R_NONE };

/* Undo load_unix_object(): its links, then the object. */
static void unix_object_drop(struct loader *l)
{
	while (l->nlinks > l->unix_links_from)
		bpf_link__destroy(l->links[--l->nlinks]);
	unix_bpf__destroy(l->unx);
	l->unx = NULL;
}

/*
 * The unix object with release hook t, the calls' arguments read at the exit
 * from the task's registers (5.15+) or saved by the entry; loaded, attached,
 * in l->unx. 0 or -errno.
 */
static int load_unix_object(struct loader *l, const struct loader_cfg *cfg, enum unix_release t,
			    bool saved)
{
	struct unix_bpf *u = unix_bpf__open_opts(loader_open_opts());
	struct bpf_program *regs_progs[6], *saved_progs[12], *prog;
	size_t i;
	int err;

	if (!u)
		return -errno;
	regs_progs[0] = u->progs.unix_bind_exit;
	regs_progs[1] = u->progs.unix_listen_exit;
	regs_progs[2] = u->progs.unix_connect_exit;
	regs_progs[3] = u->progs.unix_accept_exit;
	regs_progs[4] = u->progs.unix_accept4_exit;
	regs_progs[5] = u->progs.unix_socketpair_exit;
	saved_progs[0] = u->progs.unix_bind_enter;
	saved_progs[1] = u->progs.unix_bind_exit_saved;
	saved_progs[2] = u->progs.unix_listen_enter;
	saved_progs[3] = u->progs.unix_listen_exit_saved;
	saved_progs[4] = u->progs.unix_connect_enter;
	saved_progs[5] = u->progs.unix_connect_exit_saved;
	saved_progs[6] = u->progs.unix_accept_enter;
	saved_progs[7] = u->progs.unix_accept_exit_saved;
	saved_progs[8] = u->progs.unix_accept4_enter;
	saved_progs[9] = u->progs.unix_accept4_exit_saved;
	saved_progs[10] = u->progs.unix_socketpair_enter;
	saved_progs[11] = u->progs.unix_socketpair_exit_saved;
	bpf_object__for_each_program(prog, u->obj) bpf_program__set_autoload(prog, false);
	for (i = 0; i < 6; i++)
		bpf_program__set_autoload(saved ? saved_progs[2 * i] : regs_progs[i], true);
	if (saved)
		for (i = 0; i < 6; i++)
			bpf_program__set_autoload(saved_progs[2 * i + 1], true);
	/* the main object's syscall exits report UNIX calls themselves: here
	 * only socketpair (index 5, 10-11) */
	if (l->calls == HOOK_TRACEPOINT) {
		for (i = 0; i < 5; i++) {
			bpf_program__set_autoload(regs_progs[i], false);
			bpf_program__set_autoload(saved_progs[2 * i], false);
			bpf_program__set_autoload(saved_progs[2 * i + 1], false);
		}
	}
	if (t == R_FENTRY)
		bpf_program__set_autoload(u->progs.unix_release_fentry, true);
	else if (t == R_KPROBE)
		bpf_program__set_autoload(u->progs.unix_release_kprobe, true);
	else if (t == R_CLOSE)
		bpf_program__set_autoload(u->progs.unix_close_enter, true);
	u->rodata->filter_netns = cfg->netns;
	u->rodata->wakeup_bytes = l->wakeup_bytes;
	l->unx = u;
	l->unix_links_from = l->nlinks;
	err = bpf_map__reuse_fd(u->maps.rings, bpf_map__fd(l->skel->maps.rings));
	if (!err)
		err = unix_bpf__load(u);
	bpf_object__for_each_program(prog, u->obj)
	{
		if (err)
			break;
		if (bpf_program__autoload(prog))
			err = attach_one(l, prog, -1);
	}
	if (err)
		unix_object_drop(l);
	return err;
}

/*
 * UNIX sockets: the calls from the syscall exits, and the release from the
 * best hook this kernel allows: fentry, kprobe, then close()'s entry (through
 * bpf_rdonly_cast() where the kernel has it: it runs on every close() of
 * the system). An object of its own, writing into the main ring buffer. 0,
 * or -errno with the reason in l->unix_err.
 */
static int load_unix_hooks(struct loader *l, const struct loader_cfg *cfg)
{
	static const struct {
		const char *name;     /* NULL: no release hook, closes from snapshots */
		enum hook_choice fam; /* under --hooks, the family it belongs to */
	} releases[] = {
		[R_FENTRY] = {"fentry", HOOK_FENTRY},
		[R_KPROBE] = {"kprobe", HOOK_KPROBE},
		[R_CLOSE_CAST] = {"close_syscall", HOOK_TRACEPOINT},
		[R_CLOSE] = {"close_syscall", HOOK_TRACEPOINT},
		[R_NONE] = {NULL, HOOK_AUTO},
	};
	enum unix_release t;
	int saved, err = ensure_tracefs();

	if (err) {
		snprintf(l->unix_err, sizeof(l->unix_err), "tracefs: %s", strerror(-err));
		return err;
	}
	err = -ENOENT;
	for (t = R_FENTRY; t <= R_NONE; t++) {
		/* close() costs every close of the system: only when asked for */
		if ((t == R_CLOSE_CAST || t == R_CLOSE) && !cfg->unix_close_hook)
			continue;
		/* --hooks names the family for the release too (the kernel matrix
		 * tests each): tracepoint means close()'s entry */
		if (cfg->hooks != HOOK_AUTO && releases[t].fam != HOOK_AUTO &&
		    cfg->hooks != releases[t].fam)
			continue;
		if (family_refused(cfg, releases[t].fam, l->unix_err, sizeof(l->unix_err))) {
			err = -EOPNOTSUPP;
			if (verbosity)
				warnf("UNIX hooks with release %s: %s", releases[t].name,
				      l->unix_err);
			continue;
		}
		/* the calls' arguments at the exit from the task's registers
		 * (5.15+), else saved by the entry */
		for (saved = 0; saved <= 1; saved++) {
			err = load_unix_object(l, cfg, t == R_CLOSE_CAST ? R_NONE : t, saved);
			if (!err && t == R_CLOSE_CAST) {
				err = load_unix_close_cast(l, cfg);
				if (err)
					unix_object_drop(l);
			}
			if (!err) {
				l->unix_release = releases[t].name;
				l->unix_saved_args = saved;
				return 0;
			}
		}
		snprintf(l->unix_err, sizeof(l->unix_err), "%s%s: %s",
			 releases[t].name ? releases[t].name : "calls alone",
			 t == R_CLOSE_CAST ? " (rdonly_cast)" : "", strerror(-err));
		if (verbosity)
			warnf("UNIX hooks with release %s", l->unix_err);
	}
	return err;
}

/*
 * The rings' spill: from a quarter of their bytes waiting (twice each ring's
 * wake-up mark, an eighth), which a consumer woken on time never reaches, or
 * for tests from any record (SPILL_TEST_ENV); up to LOADER_SPILL_RINGS times
 * their size.
 */
static void spill_open(struct loader *l)
{
	uint64_t cap = l->ring_size * LOADER_SPILL_RINGS, behind = l->ring_size / 4;

	if (cap > LOADER_SPILL_MAX)
		cap = LOADER_SPILL_MAX;
	if (getenv(SPILL_TEST_ENV))
		behind = 0;
	ring_spill_init(&l->spill, &l->rings, behind, cap);
}

/* The rings, made once for every try of the hooks: each try's map of them
 * gets them after its load. */
static int rings_start(struct loader *l, const struct loader_cfg *cfg)
{
	unsigned int n;
	uint64_t size;
	int cpus = libbpf_num_possible_cpus(), err;

	l->cpus = cpus > 0 ? (unsigned int)cpus : 1;
	l->ring_size = cfg->ringbuf_size ? cfg->ringbuf_size : LOADER_RING_DEFAULT;
	rings_plan(l->cpus, l->ring_size, &n, &size);
	err = rings_open(&l->rings, n, size);
	if (err) {
		warnf_errno(err, "cannot make the ring buffers");
		return err;
	}
	l->ring_size = n * size;
	l->wakeup_bytes = cfg->wake_in_batches ? (uint32_t)(size / 8) : 0;
	return 0;
}

int loader_open(struct loader **out, const struct loader_cfg *cfg, record_fn fn, void *ctx)
{
	static const enum hook_choice states[] = {HOOK_TP_BTF, HOOK_RAW_TP, HOOK_TRACEPOINT};
	/* the syscall family with bpf_rdonly_cast() first: fewer helper calls */
	static const struct {
		enum hook_choice fam;
		enum call_variant variant;
	} families[] = {
		{HOOK_FENTRY, CALLS_REGS},	{HOOK_KPROBE, CALLS_REGS},
		{HOOK_TRACEPOINT, CALLS_CAST},	{HOOK_TRACEPOINT, CALLS_REGS},
		{HOOK_TRACEPOINT, CALLS_SAVED},
	};
	static const char *const variant_name[] = {" (rdonly_cast)", "", " (saved arguments)"};
	struct loader *l = calloc(1, sizeof(*l));
	char why[256] = "", first_why[256] = "", calls_why[256] = "";
	size_t si, fi;
	int err = -ENOENT;

	if (!l)
		return -ENOMEM;
	l->fn = fn;
	l->ctx = ctx;
	l->rings.epfd = -1;
	err = rings_start(l, cfg);
	if (err)
		goto fail;
	err = -ENOENT;
	for (si = 0; si < sizeof(states) / sizeof(states[0]); si++) {
		if (cfg->state_hook != HOOK_AUTO && cfg->state_hook != states[si])
			continue;
		for (fi = 0; fi < sizeof(families) / sizeof(families[0]); fi++) {
			if (cfg->hooks != HOOK_AUTO && cfg->hooks != families[fi].fam)
				continue;
			if (family_refused(cfg, families[fi].fam, why, sizeof(why))) {
				/* as a failed try that the state hook is not to blame for */
				err = -EOPNOTSUPP;
				l->state_refused = false;
				l->life_tried = false;
			} else {
				err = try_hooks(l, cfg, states[si], families[fi].fam,
						families[fi].variant, why, sizeof(why));
			}
			if (err && l->life_gc_failed) {
				/* without its collector life's hash deletes
				 * each entry at its connection's end */
				if (verbosity)
					warnf("life's collector: %s", why);
				l->life_gc_refused = true;
				err = try_hooks(l, cfg, states[si], families[fi].fam,
						families[fi].variant, why, sizeof(why));
			}
			if (err && l->life_tried && l->state_refused) {
				/* life in the kernel is an extra: without it the
				 * connections go through the table, as watch's */
				char life_why[sizeof(why)];

				memcpy(life_why, why, sizeof(why));
				l->life_refused = true;
				err = try_hooks(l, cfg, states[si], families[fi].fam,
						families[fi].variant, why, sizeof(why));
				if (err)
					l->life_refused = false;
				else
					snprintf(l->life_why, sizeof(l->life_why), "%s", life_why);
			}
			if (!err)
				goto loaded;
			if (verbosity)
				warnf("hooks %s+%s%s: %s", hook_name(states[si]),
				      hook_name(families[fi].fam),
				      variant_name[families[fi].variant], why);
			if (!first_why[0])
				memcpy(first_why, why, sizeof(why));
			if (l->state_refused) {
				/* no call family can help: the next state hook */
				snprintf(l->state_why, sizeof(l->state_why), "%s: %s",
					 hook_name(states[si]), why);
				break;
			}
			snprintf(calls_why, sizeof(calls_why), "%s%s: %s",
				 hook_name(families[fi].fam), variant_name[families[fi].variant],
				 why);
		}
	}
	/* the family's own reason, not the state hook's */
	if (calls_why[0])
		memcpy(first_why, calls_why, sizeof(calls_why));
	if (cfg->hooks != HOOK_AUTO)
		warnf("--hooks %s: this kernel does not support it (%s)", hook_name(cfg->hooks),
		      first_why);
	else if (cfg->state_hook != HOOK_AUTO)
		warnf("--state-hook %s: this kernel does not support it (%s)",
		      hook_name(cfg->state_hook), first_why);
	else
		warnf("cannot load or attach any set of hooks (%s)", first_why);
	goto fail;
loaded:
	kernel_btf_free();
	snprintf(l->calls_why, sizeof(l->calls_why), "%s", calls_why);
	if (cfg->want_queue)
		load_queue_hooks(l, cfg);
	/* a kernel without them still traces the rest: UNIX sockets then come
	 * from snapshots alone */
	if (cfg->want_unix && load_unix_hooks(l, cfg))
		warnf("no UNIX socket hooks (%s): UNIX sockets from snapshots only", l->unix_err);
	if (!l->cgroup && l->cgroup_err[0] && verbosity)
		warnf("no cgroup hooks (%s): UDP closes come from snapshots", l->cgroup_err);
	spill_open(l);
	*out = l;
	return 0;
fail:
	kernel_btf_free();
	loader_close(l);
	return err;
}

/* Each object that submits wake-ups has its own mark (record.bpf.h). */
static void set_waiting(struct loader *l, __u32 v)
{
	__atomic_store_n(&l->skel->bss->consumer_waiting, v, __ATOMIC_SEQ_CST);
	if (l->cast)
		__atomic_store_n(&l->cast->bss->consumer_waiting, v, __ATOMIC_SEQ_CST);
	if (l->unx)
		__atomic_store_n(&l->unx->bss->consumer_waiting, v, __ATOMIC_SEQ_CST);
	if (l->unix_close)
		__atomic_store_n(&l->unix_close->bss->consumer_waiting, v, __ATOMIC_SEQ_CST);
}

void loader_set_ahead(struct loader *l, record_ahead_fn fn, void *ctx)
{
	rings_set_ahead(&l->rings, fn, ctx);
}

int loader_wake_on_error(struct loader *l, int fd)
{
	return rings_wake_on_error(&l->rings, fd);
}

int loader_poll(struct loader *l, int timeout_ms, bool first_wakes)
{
	int n, m, total = 0;
	bool blocked;

	/* records in the spill are due now; its memory goes back a while
	 * after the storm */
	if (!ring_spill_empty(&l->spill))
		timeout_ms = 0;
	else if (l->spill.spare && mono_now_ns() - l->spill_at > SPILL_KEEP_NS)
		ring_spill_trim(&l->spill);
	/* tell the BPF side to wake us once enough is pending (record.bpf.h) */
	if (timeout_ms)
		set_waiting(l, first_wakes ? 1 : l->wakeup_bytes);
	n = rings_wait(&l->rings, timeout_ms);
	if (timeout_ms)
		set_waiting(l, 0);
	if (n < 0 && errno != EINTR)
		return -errno;
	/* without a wake-up, records wait for us: take them all now, and the
	 * spilled ones a batch at a time, looking at the rings in between */
	for (;;) {
		m = rings_drain(&l->rings, UINT_MAX, on_sample, l, &blocked);
		if (m < 0)
			return m;
		if (total < INT_MAX - m)
			total += m;
		/* the rings wake epoll while anything waits: a record still
		 * being written would make this a busy loop */
		if (blocked && !m)
			usleep(BLOCKED_WAIT_US);
		if (ring_spill_empty(&l->spill))
			return total;
		ring_spill_run(&l->spill, SPILL_BATCH, l->fn, l->ctx);
		l->spill_at = mono_now_ns();
	}
}

/*
 * One object's losses: its counters, and its programs' runs the kernel
 * skipped, except skip's (NULL: none).
 */
static void add_obj_loss(struct bpf_object *obj, const struct st_counters *c,
			 const struct bpf_program *skip, struct loss *loss, uint64_t *missed)
{
	struct bpf_program *prog;

	loss->rb_full += __atomic_load_n(&c->rb_full, __ATOMIC_RELAXED);
	loss->map_full += __atomic_load_n(&c->map_full, __ATOMIC_RELAXED);
	bpf_object__for_each_program(prog, obj)
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || prog == skip)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			*missed += info.recursion_misses;
	}
}

void loader_loss(struct loader *l, struct loss *loss)
{
	const struct st_counters *c = &l->skel->bss->counters;
	uint64_t missed = 0, rescued = __atomic_load_n(&c->rescued, __ATOMIC_RELAXED), raw;

	loss->rb_full = 0;
	loss->map_full = 0;
	/* when the twin is skipped, state_btf itself ran: nothing lost */
	add_obj_loss(l->skel->obj, c,
		     l->state_set == SET_TP_BTF_KEEP ? l->skel->progs.state_btf_keep_rescue
						     : l->skel->progs.state_btf_rescue,
		     loss, &missed);
	if (l->queue)
		add_obj_loss(l->queue->obj, &l->queue->bss->counters, NULL, loss, &missed);
	if (l->cast)
		add_obj_loss(l->cast->obj, &l->cast->bss->counters, NULL, loss, &missed);
	if (l->unx)
		add_obj_loss(l->unx->obj, &l->unx->bss->counters, NULL, loss, &missed);
	if (l->unix_close)
		add_obj_loss(l->unix_close->obj, &l->unix_close->bss->counters, NULL, loss,
			     &missed);
	loss->skipped = missed;
	loss->rescued = rescued;
	raw = missed > rescued ? missed - rescued : 0;
	/* returns no hook reported: the event is gone (call_args.bpf.h) */
	raw += __atomic_load_n(&c->ret_missed, __ATOMIC_RELAXED);
	if (l->unx)
		raw += __atomic_load_n(&l->unx->bss->counters.ret_missed, __ATOMIC_RELAXED);
	/* rescued is read before the skips: a rescue in flight is no loss */
	loss->kernel_missed = settled_count_update(&l->missed, raw);
	loss->ret_rescued = __atomic_load_n(&c->ret_rescued, __ATOMIC_RELAXED);
}

const char *loader_life_kernel(const struct loader *l, const char **why)
{
	*why = l->life_why[0] ? l->life_why : NULL;
	if (!l->life)
		return NULL;
	return l->skel->rodata->life_kernel == ST_LIFE_SK_STORAGE ? "sk_storage" : "hash";
}

uint32_t loader_life_capacity(const struct loader *l)
{
	if (!l->life || l->skel->rodata->life_kernel != ST_LIFE_HASH)
		return 0;
	return bpf_map__max_entries(l->skel->maps.life_hash);
}

const char *loader_state_hook(const struct loader *l)
{
	return hook_name(l->state);
}

const char *loader_call_hook(const struct loader *l)
{
	return hook_name(l->calls);
}

const char *loader_sock_from_fd(const struct loader *l)
{
	if (l->calls != HOOK_TRACEPOINT)
		return NULL; /* the hooks are handed the socket itself */
	return l->cast ? "rdonly_cast" : "probe_read";
}

const char *loader_syn_port(const struct loader *l)
{
	/* as watch loads them: life and reuseport wait for no port */
	if (l->state == HOOK_TP_BTF)
		return "retransmit";
	return l->cgroup ? "sockops" : "transition";
}

const char *loader_state_fallback(const struct loader *l)
{
	return l->state_why[0] ? l->state_why : NULL;
}

const char *loader_calls_fallback(const struct loader *l)
{
	return l->calls_why[0] ? l->calls_why : NULL;
}

const char *loader_call_args(const struct loader *l)
{
	if (l->calls != HOOK_TRACEPOINT)
		return NULL;
	return l->call_set == SET_SYSCALLS_SAVED ? "saved_at_entry" : "task_regs";
}

const char *loader_unix_release_hook(const struct loader *l)
{
	return l->unx ? l->unix_release : NULL;
}

const char *loader_unix_call_args(const struct loader *l)
{
	if (!l->unx)
		return NULL;
	/* the main object's syscall exits report UNIX calls there */
	if (l->calls == HOOK_TRACEPOINT)
		return loader_call_args(l);
	return l->unix_saved_args ? "saved_at_entry" : "task_regs";
}

bool loader_unix_calls(const struct loader *l)
{
	return l->unx != NULL;
}

const char *loader_mptcp_hook(const struct loader *l)
{
	if (l->calls == HOOK_TRACEPOINT)
		/* MPTCP's calls are syscalls like any, if the kernel has MPTCP */
		return l->kernel_mptcp ? hook_name(l->calls) : NULL;
	return l->mptcp ? hook_name(l->calls) : NULL;
}

const char *loader_mptcp_fallback(const struct loader *l)
{
	return l->mptcp_why[0] ? l->mptcp_why : NULL;
}

const char *loader_queue_hook(const struct loader *l)
{
	return l->queue ? hook_name(l->queue_hook) : NULL;
}

bool loader_cgroup(const struct loader *l, const char **why)
{
	*why = l->cgroup_err;
	return l->cgroup;
}

const struct rings *loader_rings(const struct loader *l)
{
	return l && l->rings.n ? &l->rings : NULL;
}

uint64_t loader_ringbuf_size(const struct loader *l)
{
	return l ? l->ring_size : 0;
}

void loader_spill(const struct loader *l, uint64_t *records, uint64_t *peak)
{
	*records = l ? l->spill.records : 0;
	*peak = l ? l->spill.peak : 0;
}

uint64_t loader_spill_recent(struct loader *l)
{
	return l ? ring_spill_recent(&l->spill) : 0;
}

/* life_dead's slots, which the BPF side pads with zeroes to a cache line each */
static int64_t life_dead_sum(const struct loader *l)
{
	const __s64 *slot = l->skel->bss->life_dead;
	size_t i, n = sizeof(l->skel->bss->life_dead) / sizeof(*slot);
	int64_t sum = 0;

	for (i = 0; i < n; i++)
		sum += __atomic_load_n(&slot[i], __ATOMIC_RELAXED);
	return sum;
}

int loader_life_gc(struct loader *l)
{
	int err;

	if (!l || !l->life_gc)
		return 0;
	err = life_gc_run(l->life_gc);
	if (!err)
		l->life_dead_base =
			(int64_t)__atomic_load_n(&l->skel->bss->life_gc_dead, __ATOMIC_RELAXED) -
			life_dead_sum(l);
	return err;
}

uint64_t loader_life_dead(const struct loader *l)
{
	int64_t n;

	if (!l || !l->life_gc)
		return 0;
	/* a pass and the hooks race by a few entries: never below none */
	n = l->life_dead_base + life_dead_sum(l);
	return n > 0 ? (uint64_t)n : 0;
}

void loader_close(struct loader *l)
{
	if (!l)
		return;
	rings_close(&l->rings);
	ring_spill_free(&l->spill);
	detach_all(l);
	bpf_link__destroy(l->life_gc);
	queue_bpf__destroy(l->queue);
	unix_close_cast_bpf__destroy(l->unix_close);
	unix_bpf__destroy(l->unx);
	syscalls_cast_bpf__destroy(l->cast);
	trace_bpf__destroy(l->skel);
	free(l);
}
