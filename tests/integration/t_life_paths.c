// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * life's paths give the same lines. Where the kernel keeps each connection
 * (features says "kernel"), a life run that builds lines from one kernel
 * record per connection end and one that rebuilds every connection from its
 * transitions in the table (--life-path table) watch the same storms, in JSON
 * and in text: every line must be the same but for the times (each run reads
 * the clock in its own hook) and the JSON "sock" (a table id may be
 * synthetic). Where the kernel offers the store auto did not choose (socket
 * storage, or the hash by sock address), a fifth run with that store must
 * give the same lines too. And the kernel runs must really have taken the
 * kernel path: about one record per connection end, where the table run
 * takes several per end. Every path loads the same ring buffers by
 * default, 8M in all; --ringbuf-size sets any run's. Connections the kernel
 * does not keep (past the hash's --max-sockets, or made before the tracer)
 * take the table's path in the same run, with the same lines.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bpf_maps.h"
#include "events.h"
#include "files.h"
#include "jsonl.h"
#include "netns.h"
#include "tap.h"
#include "workload.h"

#define CONNS 300
/* life's hash under --max-sockets 64, and connections held open at once:
 * their 100 sockets fill it, 36 at least take the table's path, and the
 * table's own cap of 64 holds those, the listener and the EARLY ones' 8 */
#define CAP   64
#define HELD  50
#define EARLY 4

enum { K_JSON, T_JSON, K_TEXT, T_TEXT, O_JSON, RUNS };

static const char *const run_name[RUNS] = {"kernel json", "table json", "kernel text", "table text",
					   "other store json"};

/* Remove "key":VALUE, from a JSON line (values here hold no comma). */
static void drop_key(char *line, const char *key)
{
	char pat[32], *p, *end;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	if (!p)
		return;
	end = strchr(p, ',');
	if (!end)
		end = strchr(p, '}');
	else
		end++;
	if (end)
		memmove(p, end, strlen(end) + 1);
}

/* A text line without its time (the first word) and MS (the 8th, see view_life.c). */
static void drop_text_times(char *line)
{
	char out[1024], *save = NULL, *w;
	size_t len = 0;
	int i = 0;

	for (w = strtok_r(line, " ", &save); w; w = strtok_r(NULL, " ", &save), i++)
		if (i != 0 && i != 7)
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s ", w);
	memcpy(line, out, len + 1 < sizeof(out) ? len + 1 : sizeof(out));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The run's lines, made comparable and sorted; NULL on no output. */
static char **lines_of(const char *path, bool json, size_t *n)
{
	char *text = read_text_file(path, NULL), *save = NULL, *line, **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (!text)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c = strdup(line);

		if (!c)
			break;
		if (json) {
			drop_key(c, "time");
			drop_key(c, "ts_ns");
			drop_key(c, "sock");
			drop_key(c, "duration_ms");
			drop_key(c, "start_time");
		} else if (isdigit((unsigned char)c[0])) {
			drop_text_times(c);
		}
		if (*n == cap) {
			char **nv = realloc(v, (cap = cap ? cap * 2 : 1024) * sizeof(*v));

			if (!nv) {
				free(c);
				break;
			}
			v = nv;
		}
		v[(*n)++] = c;
	}
	free(text);
	if (v)
		qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

static void free_lines(char **v, size_t n)
{
	while (n)
		free(v[--n]);
	free(v);
}

/* The kernel run's lines are the table run's. */
static void same_lines(struct tracer *k, struct tracer *t, bool json, size_t want_min)
{
	size_t nk, nt, i;
	char **lk = lines_of(k->out_path, json, &nk), **lt = lines_of(t->out_path, json, &nt);
	const char *what = json ? "JSON" : "text";

	ok(nk >= want_min, "%s: %zu lines, every connection end (at least %zu)", what, nk,
	   want_min);
	if (!is_int(nk, nt, "%s: the kernel path made as many lines as the table path", what))
		tap_diag("kernel %zu, table %zu", nk, nt);
	for (i = 0; i < nk && i < nt && !strcmp(lk[i], lt[i]); i++)
		;
	if (!ok(i == nk && i == nt, "%s: every line the same but for times", what) && i < nk &&
	    i < nt)
		tap_diag("first difference:\n  kernel %s\n  table  %s", lk[i], lt[i]);
	free_lines(lk, nk);
	free_lines(lt, nt);
}

/*
 * What features says of life with --life-path store (NULL: auto): its path
 * ("kernel", "table", or NULL), *kept its store ("hash", "sk_storage" or
 * NULL), *state the state hook.
 */
static char *features_life(const char *store, char **kept, char **state)
{
	const char *argv[] = {socktrace_path(), "features", "--json", "--life-path", store, NULL};
	char *out = NULL, *path = NULL;

	if (!store)
		argv[3] = NULL;
	struct json_obj *f = NULL;
	const struct json_obj *life, *hooks;
	const char *v;

	*kept = *state = NULL;
	if (run_capture(argv, &out, 60000) == 0 && out)
		f = json_parse(out, strlen(out));
	life = f ? json_get_obj(f, "life") : NULL;
	hooks = f ? json_get_obj(f, "hooks") : NULL;
	if (life && (v = json_str(life, "path")))
		path = strdup(v);
	if (life && (v = json_str(life, "store")))
		*kept = strdup(v);
	if (hooks && (v = json_str(hooks, "state")))
		*state = strdup(v);
	json_free(f);
	free(out);
	return path;
}

/* The ring buffer the tracer loaded is want bytes. */
static void ring_size_is(const struct tracer *t, unsigned int want, const char *run)
{
	unsigned long long sum;
	unsigned int n = maps_of_process(t->pid, "events", BPF_MAP_TYPE_RINGBUF, &sum);

	ok(n >= 1 && sum == want, "%s: ring buffers of %u KiB in all (%u of them, %llu bytes)", run,
	   want >> 10, n, sum);
}

/* Connections the tracers see from their start, and EARLY ones made before. */
struct held {
	int lfd;
	uint16_t port;
	int n; /* fds in use: a client, then its accepted end */
	int fds[2 * (EARLY + HELD)];
};

/* A listener, and EARLY connections in its queue, not yet accepted: 0 or -1. */
static int early_connect(struct held *h)
{
	h->n = 0;
	h->lfd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 2 * (EARLY + HELD), &h->port);
	if (h->lfd < 0)
		return -1;
	while (h->n < 2 * EARLY) {
		h->fds[h->n] = tcp_connect_to(AF_INET, "127.0.0.1", h->port);
		if (h->fds[h->n] < 0)
			return -1;
		h->fds[h->n + 1] = -1;
		h->n += 2;
	}
	return 0;
}

/*
 * The EARLY connections accepted, then HELD more made and held open at once;
 * then every one closed, every other one by its client first. 0, or -1 at
 * the first step that failed.
 */
static int accept_hold_close(struct held *h)
{
	int i, ret = -1;

	for (i = 0; i < h->n; i += 2)
		if ((h->fds[i + 1] = accept(h->lfd, NULL, NULL)) < 0)
			goto out;
	while (h->n < 2 * (EARLY + HELD)) {
		h->fds[h->n] = tcp_connect_to(AF_INET, "127.0.0.1", h->port);
		if (h->fds[h->n] < 0)
			goto out;
		h->fds[h->n + 1] = accept(h->lfd, NULL, NULL);
		h->n += 2;
		if (h->fds[h->n - 1] < 0)
			goto out;
	}
	ret = 0;
out:
	for (i = 0; i < h->n; i += 2) {
		bool client_first = (i / 2) % 2 == 0;

		close(h->fds[client_first ? i : i + 1]);
		if (h->fds[client_first ? i + 1 : i] >= 0)
			close(h->fds[client_first ? i + 1 : i]);
	}
	close(h->lfd);
	return ret || tcp_wait_settled(10000) ? -1 : 0;
}

/*
 * Connections the kernel does not keep go to the table, record by record,
 * their accept() included, and get the table path's lines: past the hash's
 * --max-sockets CAP, and the EARLY ones that predate the tracers (with
 * socket storage too, where the kernel has it).
 */
static void unkept(const char *netns, bool raw_tp, bool with_storage)
{
	enum { CAPPED, STORAGE, TABLE, N };
	static const char *const name[N] = {"capped hash", "socket storage", "table path"};
	struct tracer t[N];
	struct held h;
	struct bpf_map_info info;
	long long events[N], lost[N], missed[N];
	char cap_arg[16];
	int i, fd;

	memset(t, 0, sizeof(t));
	snprintf(cap_arg, sizeof(cap_arg), "%d", CAP);
	if (!ok(early_connect(&h) == 0, "%d connections made before the tracers start", EARLY))
		return;
	if (!ok(start_tracer(&t[CAPPED], (const char *const[]){"life", "--netns", netns,
							       "--max-sockets", cap_arg, NULL}) ==
				0 &&
			(!with_storage ||
			 start_tracer(&t[STORAGE],
				      (const char *const[]){"life", "--netns", netns, "--life-path",
							    "sk_storage", NULL}) == 0) &&
			start_tracer(&t[TABLE],
				     (const char *const[]){"life", "--netns", netns, "--life-path",
							   "table", NULL}) == 0,
		"life --max-sockets %d%s and life --life-path table started", CAP,
		with_storage ? ", life --life-path sk_storage" : ""))
		goto out;
	fd = map_of_process(t[CAPPED].pid, "life_hash", &info);
	ok(fd >= 0 && info.max_entries == CAP, "--max-sockets %d: life's hash holds %u", CAP,
	   fd >= 0 ? info.max_entries : 0);
	if (fd >= 0)
		close(fd);
	ok(accept_hold_close(&h) == 0, "%d accepted, %d more held open at once, all closed", EARLY,
	   HELD);
	usleep(300000);
	for (i = 0; i < N; i++) {
		int stopped;

		events[i] = lost[i] = missed[i] = -1;
		if (i == STORAGE && !with_storage)
			continue;
		stopped = tracer_stop(&t[i], 10000);
		if (!stopped)
			tracer_last_summary(&t[i], &events[i], &lost[i], &missed[i], NULL);
		ok(!stopped && lost[i] == 0 && missed[i] == 0,
		   "%s: exits 0, nothing lost (%s, lost %lld, missed %lld)", name[i],
		   tracer_status_str(&t[i]), lost[i], missed[i]);
	}
	if (raw_tp) {
		tap_skip("raw_tp: the table path's cookie-less lines differ",
			 "unkept connections: every line the same but for times");
	} else {
		same_lines(&t[CAPPED], &t[TABLE], true, 2 * (EARLY + HELD));
		if (with_storage)
			same_lines(&t[STORAGE], &t[TABLE], true, 2 * (EARLY + HELD));
	}
	/* one record an end for the hash's, 3 at least for the table's */
	ok(events[CAPPED] >= 2 * HELD + 3 * (2 * HELD - CAP),
	   "past the hash's %d, connections took the table's path: %lld records for %d ends", CAP,
	   events[CAPPED], 2 * (EARLY + HELD));
out:
	for (i = 0; i < N; i++)
		tracer_cleanup(&t[i]);
}

int main(void)
{
	static const char *const modes[] = {"server-first", "client-first", "rst"};
	struct tracer tr[RUNS];
	long long events[RUNS] = {0};
	char netns[32], *path, *store = NULL, *state = NULL, *other_path = NULL;
	char *other_store = NULL, *other_state = NULL;
	const char *other = NULL;
	long ns = netns_enter_new();
	size_t i, ends = 2 * CONNS * (sizeof(modes) / sizeof(modes[0]));
	bool kernel, raw_tp, with_other;

	if (ns < 0) {
		ok(0, "enter a new network namespace: %s", strerror((int)-ns));
		return tap_done();
	}
	snprintf(netns, sizeof(netns), "%ld", ns);
	path = features_life(NULL, &store, &state);
	if (!ok(path != NULL, "features names life's path (%s)", path ? path : "none"))
		return tap_done();
	kernel = !strcmp(path, "kernel");
	/* without cookies (raw_tp) the table path names a passive end's owner
	 * "holder" of itself in a few lines in 6,000 of such storms, where
	 * the kernel path (and t_life) says it accepted it */
	raw_tp = state && !strcmp(state, "raw_tp");
	if (kernel && store)
		other = strcmp(store, "hash") ? "hash" : "sk_storage";
	if (other)
		other_path = features_life(other, &other_store, &other_state);
	with_other = other_store && !strcmp(other_store, other) && other_state && state &&
		     !strcmp(other_state, state);
	tap_diag("life: path %s, store %s, state hook %s; the other store (%s) %s", path,
		 store ? store : "none", state ? state : "none", other ? other : "none",
		 with_other ? "runs too" : "is not to be had");
	memset(tr, 0, sizeof(tr));
	if (!ok(start_tracer(&tr[K_JSON], (const char *const[]){"life", "--netns", netns, NULL}) ==
				0 &&
			start_tracer(&tr[T_JSON],
				     (const char *const[]){"life", "--netns", netns, "--life-path",
							   "table", NULL}) == 0 &&
			tracer_start(&tr[K_TEXT],
				     (const char *const[]){"life", "--netns", netns,
							   "--ringbuf-size", "4M", NULL},
				     20000) == 0 &&
			tracer_start(&tr[T_TEXT],
				     (const char *const[]){"life", "--netns", netns, "--life-path",
							   "table", NULL},
				     20000) == 0 &&
			(!with_other ||
			 start_tracer(&tr[O_JSON],
				      (const char *const[]){"life", "--netns", netns, "--life-path",
							    other, NULL}) == 0),
		"life runs started: kernel and table paths, JSON and text%s",
		with_other ? ", and the other store in JSON" : ""))
		goto out;
	/* one default for every path: a storm's backlog spills to memory */
	ring_size_is(&tr[K_JSON], 8u << 20, "kernel json, by default");
	ring_size_is(&tr[T_JSON], 8u << 20, "table json, by default");
	ring_size_is(&tr[K_TEXT], 4u << 20, "kernel text, with --ringbuf-size 4M");
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		ok(storm_completes(CONNS, modes[i], 700), "%s: %d connections made", modes[i],
		   CONNS);
	usleep(300000);
	for (i = 0; i < RUNS; i++) {
		long long lost = -1, missed = -1;
		int stopped;

		if (i == O_JSON && !with_other)
			break;
		stopped = tracer_stop(&tr[i], 10000);

		if (!stopped)
			tracer_last_summary(&tr[i], &events[i], &lost, &missed, NULL);
		ok(!stopped && lost == 0 && missed == 0,
		   "%s: exits 0, nothing lost (%s, lost %lld, missed %lld)", run_name[i],
		   tracer_status_str(&tr[i]), lost, missed);
	}
	if (raw_tp) {
		tap_skip("raw_tp: the table path's cookie-less lines differ",
			 "JSON and text: every line the same but for times");
	} else {
		same_lines(&tr[K_JSON], &tr[T_JSON], true, ends);
		same_lines(&tr[K_TEXT], &tr[T_TEXT], false, ends);
		if (with_other)
			same_lines(&tr[O_JSON], &tr[T_JSON], true, ends);
	}
	/* the table path takes ~7 records per end; the kernel path 1, and a few
	 * for the listeners and their calls */
	if (kernel)
		ok(events[K_JSON] <= (long long)ends + 100 && events[T_JSON] > 4 * (long long)ends,
		   "the kernel path took one record per end: %lld records for %zu ends (table "
		   "path: %lld)",
		   events[K_JSON], ends, events[T_JSON]);
	else
		tap_skip("life takes the table path on this kernel",
			 "the kernel path took one record per end");
	if (with_other)
		ok(events[O_JSON] <= (long long)ends + 100,
		   "--life-path %s took one record per end: %lld records for %zu ends", other,
		   events[O_JSON], ends);
	else
		tap_skip("one store only on this kernel",
			 "the other store took one record per end");
	if (kernel && store && !strcmp(store, "hash"))
		unkept(netns, raw_tp, with_other && !strcmp(other, "sk_storage"));
	else
		tap_skip("life keeps no hash on this kernel", "--max-sockets bounds life's hash");
out:
	for (i = 0; i < RUNS; i++)
		tracer_cleanup(&tr[i]);
	free(path);
	free(store);
	free(state);
	free(other_path);
	free(other_store);
	free(other_state);
	return tap_done();
}
