// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * life's hash by sock address, where the kernel allocates its entries: a
 * connection's entry outlives its end, for the next socket at its address,
 * and a collector deletes those whose address nobody took again
 * (SOCKTRACE_LIFE_GC_MS shortens its wait for the test). Life runs watch the
 * same storms: one that collects after an hour, whose map must still hold
 * entries once every connection has ended, and one that collects after
 * 200 ms, whose map must empty. A pass at a tick needs enough dead entries
 * (SOCKTRACE_TEST_LIFE_GC_BATCH), or else the longest wait between passes:
 * with that wait an hour, a run whose batch is one entry must empty its map,
 * and one with the default batch, more than the storm leaves, must not. All
 * must print every connection's two ends, before and after a collection.
 * The maps are read from outside, through the tracers' descriptors, with
 * bpf(2).
 *
 * The collector also tells the ends that no hook saw: a third run ignores
 * the -> CLOSE of connections to one port (SOCKTRACE_TEST_LOSE_END_PORT), as
 * the kernel sometimes does not report one, and must still print each such
 * connection's two ends once, "unseen", while a connection held open past
 * the collector's wait gets its own two lines only at its real end.
 */
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bpf_maps.h"
#include "events.h"
#include "files.h"
#include "netns.h"
#include "tap.h"
#include "workload.h"

#define CONNS	   300
#define GC_ENV	   "SOCKTRACE_LIFE_GC_MS"
#define BATCH_ENV  "SOCKTRACE_TEST_LIFE_GC_BATCH"
#define LOSE_ENV   "SOCKTRACE_TEST_LOSE_END_PORT"
#define LOSE_PORT  4711
#define HELD_PORT  4712
#define LOST_CONNS 8

/* The map life_hash that process pid holds, if it allocates its entries: an fd, or -1. */
static int life_hash_of(pid_t pid)
{
	struct bpf_map_info info;
	int fd = map_of_process(pid, "life_hash", &info);

	if (fd >= 0 && (info.max_entries <= 1 || !(info.map_flags & BPF_F_NO_PREALLOC))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A life run with the collector's times at ms, and its batch (NULL: the default). */
static int start_life(struct tracer *t, const char *netns, const char *ms, const char *batch)
{
	int err;

	setenv(GC_ENV, ms, 1);
	if (batch)
		setenv(BATCH_ENV, batch, 1);
	err = start_tracer(t, (const char *const[]){"life", "--netns", netns, NULL});
	unsetenv(GC_ENV);
	unsetenv(BATCH_ENV);
	return err;
}

/* Its close lines, once stopped; -1 if it did not exit 0 with nothing lost. */
static long stop_life(struct tracer *t, const char *name)
{
	long long lost = -1, missed = -1;
	char *text;
	const char *p;
	long n = 0;
	int stopped = tracer_stop(t, 10000);

	if (!stopped)
		tracer_last_summary(t, NULL, &lost, &missed, NULL);
	if (!ok(!stopped && lost == 0 && missed == 0,
		"%s: exits 0, nothing lost (%s, lost %lld, missed %lld)", name,
		tracer_status_str(t), lost, missed))
		return -1;
	text = read_text_file(t->out_path, NULL);
	for (p = text; p && (p = strstr(p, "\"event\":\"close\"")); p++)
		n++;
	free(text);
	return n;
}

/* A bad value of env is one line and a failed start. */
static void bad_value(const char *env, const char *value)
{
	const char *argv[] = {socktrace_path(), "life", "--duration", "1", NULL};
	char *out = NULL, want[96];
	int status;

	setenv(env, value, 1);
	status = run_capture(argv, &out, 30000);
	unsetenv(env);
	snprintf(want, sizeof(want), "%s=%s", env, value);
	ok(status > 0 && out && strstr(out, want) && strchr(out, '\n') == strrchr(out, '\n'),
	   "%s: exit status %d, one line naming it", want, status);
	if (out)
		tap_diag("%s", out);
	free(out);
}

/* The close lines in jl with port at either end, into out. */
static size_t closes_at(const struct json_lines *jl, long port, const struct json_obj **out,
			size_t max)
{
	struct ev_match m = EV_ANY("close");
	size_t n;

	m.lport = port;
	n = ev_select(jl, m, out, max);
	m.lport = -1;
	m.rport = port;
	return n + ev_select(jl, m, out + n, max - n);
}

/* Whether the unseen end of every lost connection is there once, and why not. */
static bool lost_ends_once(const struct json_obj *const *ev, size_t n, char *why, size_t len)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		const char *path = json_str(ev[i], "path"),
			   *last = path ? strrchr(path, '>') : NULL;
		long long lport = 0, rport = 0, li, ri;

		json_int(ev[i], "lport", &lport);
		json_int(ev[i], "rport", &rport);
		/* the states seen: up to the last before the -> CLOSE ignored */
		if (!json_str_is(ev[i], "end", "unseen") || !last || !strcmp(last, ">CLOSE") ||
		    !strcmp(last, ">TIME_WAIT") || !strstr(path, "ESTABLISHED")) {
			snprintf(why, len, "line %zu: end %s, path %s", i, json_str(ev[i], "end"),
				 path ? path : "(none)");
			return false;
		}
		/* a connection's two ends have each other's ports */
		for (j = 0; j < i; j++)
			if (!json_int(ev[j], "lport", &li) && !json_int(ev[j], "rport", &ri) &&
			    li == lport && ri == rport) {
				snprintf(why, len, "%lld -> %lld told twice", lport, rport);
				return false;
			}
	}
	return true;
}

/*
 * Connections to LOSE_PORT whose ends the run ignores, beside one to
 * HELD_PORT held past the collector's wait: the collector, or a new socket
 * at a lost one's address, tells each lost end once; the held one ends as
 * ever.
 */
static void lost_ends(const char *netns)
{
	const struct json_obj *ev[4 * LOST_CONNS + 4];
	struct json_lines jl = {0};
	struct tracer t;
	char port[16], why[160] = "";
	int lfd = -1, hfd = -1, held = -1, held_srv = -1, i;
	long long lost = -1, missed = -1;
	size_t n = 0;

	memset(&t, 0, sizeof(t));
	snprintf(port, sizeof(port), "%d", LOSE_PORT);
	setenv(GC_ENV, "300", 1);
	setenv(LOSE_ENV, port, 1);
	i = start_tracer(&t, (const char *const[]){"life", "--netns", netns, NULL});
	unsetenv(GC_ENV);
	unsetenv(LOSE_ENV);
	if (!ok(i == 0, "a life run that ignores the ends of connections to port %d", LOSE_PORT))
		goto out;
	lfd = tcp_listen_on(AF_INET, "127.0.0.1", LOSE_PORT, 64, NULL);
	hfd = tcp_listen_on(AF_INET, "127.0.0.1", HELD_PORT, 4, NULL);
	held = hfd >= 0 ? tcp_connect_to(AF_INET, "127.0.0.1", HELD_PORT) : -1;
	held_srv = held >= 0 ? accept(hfd, NULL, NULL) : -1;
	if (!ok(lfd >= 0 && held_srv >= 0, "listeners on %d and %d, a connection held on %d",
		LOSE_PORT, HELD_PORT, HELD_PORT))
		goto out;
	ok(tcp_open_close(LOSE_PORT, lfd, LOST_CONNS / 2, 1) == 0 &&
		   tcp_open_close(LOSE_PORT, lfd, LOST_CONNS / 2, 0) == 0,
	   "%d connections to %d, half closed by the client first", LOST_CONNS, LOSE_PORT);
	tcp_wait_settled(10000);
	/* passes every 300 ms, each connection old enough after 300 */
	for (i = 0; i < 100; i++) {
		json_lines_free(&jl);
		if (!json_lines_load(t.out_path, &jl) &&
		    closes_at(&jl, LOSE_PORT, ev, 4 * LOST_CONNS) >= 2 * LOST_CONNS)
			break;
		usleep(100000);
	}
	/* past the wait: a connection under way is not told */
	usleep(700000);
	json_lines_free(&jl);
	json_lines_load(t.out_path, &jl);
	is_int((long)closes_at(&jl, HELD_PORT, ev, 4), 0,
	       "the connection held open has no line before its end");
	close(held);
	close(held_srv);
	held = held_srv = -1;
	tcp_wait_settled(10000);
	usleep(300000);
	i = tracer_stop(&t, 10000);
	if (!i)
		tracer_last_summary(&t, NULL, &lost, &missed, NULL);
	ok(!i && lost == 0 && missed == 0, "exits 0, nothing lost (%s, lost %lld, missed %lld)",
	   tracer_status_str(&t), lost, missed);
	json_lines_free(&jl);
	json_lines_load(t.out_path, &jl);
	n = closes_at(&jl, LOSE_PORT, ev, 4 * LOST_CONNS + 4);
	is_int((long)n, 2 * LOST_CONNS, "every lost connection's two ends told");
	i = lost_ends_once(ev, n, why, sizeof(why));
	ok(i, "each once, \"end\":\"unseen\", with the states seen%s%s", *why ? ": " : "", why);
	n = closes_at(&jl, HELD_PORT, ev, 4);
	ok(n == 2 && !json_str_is(ev[0], "end", "unseen") && !json_str_is(ev[1], "end", "unseen"),
	   "the held connection: its two ends, as they happened (%zu lines)", n);
out:
	json_lines_free(&jl);
	if (held >= 0)
		close(held);
	if (held_srv >= 0)
		close(held_srv);
	if (lfd >= 0)
		close(lfd);
	if (hfd >= 0)
		close(hfd);
	tracer_cleanup(&t);
}

int main(void)
{
	struct tracer keep, collect, hold, batch;
	char netns[32];
	long ns = netns_enter_new(), n, kept, held, left = -1;
	int keep_fd = -1, collect_fd = -1, hold_fd = -1, batch_fd = -1, i;

	memset(&keep, 0, sizeof(keep));
	memset(&collect, 0, sizeof(collect));
	memset(&hold, 0, sizeof(hold));
	memset(&batch, 0, sizeof(batch));
	bad_value(GC_ENV, "soon");
	bad_value(LOSE_ENV, "http");
	bad_value(GC_ENV, "200,");
	bad_value(BATCH_ENV, "0");
	if (ns < 0) {
		ok(0, "enter a new network namespace: %s", strerror((int)-ns));
		return tap_done();
	}
	snprintf(netns, sizeof(netns), "%ld", ns);
	if (!ok(start_life(&keep, netns, "3600000", NULL) == 0 &&
			start_life(&collect, netns, "200", NULL) == 0 &&
			start_life(&hold, netns, "200,3600000", NULL) == 0 &&
			start_life(&batch, netns, "200,3600000", "1") == 0,
		"four life runs started: collecting after an hour, after 200 ms, and after "
		"200 ms at ticks with a batch of the default and of 1"))
		goto out;
	keep_fd = life_hash_of(keep.pid);
	collect_fd = life_hash_of(collect.pid);
	hold_fd = life_hash_of(hold.pid);
	batch_fd = life_hash_of(batch.pid);
	if (keep_fd < 0 || collect_fd < 0 || hold_fd < 0 || batch_fd < 0) {
		tap_diag("no life_hash allocated at run time in the tracers (%d, %d, %d, %d)",
			 keep_fd, collect_fd, hold_fd, batch_fd);
		tap_skip("life keeps no ended connections on this kernel",
			 "entries outlive their connections, and are collected");
		goto out;
	}
	ok(storm_completes(CONNS, NULL, 0), "%d connections made", CONNS);
	usleep(100000);
	kept = map_entries(keep_fd);
	held = map_entries(hold_fd);
	ok(kept > 0, "after every connection ended, the hash still holds %ld entries", kept);
	/* the collector takes what ended 200 ms before, at a pass every 1.2 s
	 * (fewer dead entries than a batch), or every 200 ms (a batch of 1) */
	for (i = 0; i < 50 && (left = map_entries(collect_fd)) != 0; i++)
		usleep(100000);
	ok(left == 0, "200 ms collector: %ld entries left after %d ms", left, i * 100);
	for (i = 0; i < 50 && (left = map_entries(batch_fd)) != 0; i++)
		usleep(100000);
	ok(left == 0, "200 ms ticks, a batch of 1: %ld entries left after %d ms", left, i * 100);
	ok(map_entries(keep_fd) >= kept, "the hour's collector took none: %ld entries",
	   map_entries(keep_fd));
	ok(held > 0 && map_entries(hold_fd) >= held,
	   "200 ms ticks, fewer dead entries than the batch: no pass, %ld of %ld entries",
	   map_entries(hold_fd), held);
	ok(storm_completes(CONNS, NULL, 0), "%d more connections made after the collection", CONNS);
	usleep(300000);
	n = stop_life(&keep, "keeping run");
	is_int(n, 4 * CONNS, "keeping run: every connection's two ends, in both storms");
	n = stop_life(&collect, "collecting run");
	is_int(n, 4 * CONNS, "collecting run: every connection's two ends, in both storms");
	n = stop_life(&hold, "run below its batch");
	is_int(n, 4 * CONNS, "run below its batch: every connection's two ends, in both storms");
	n = stop_life(&batch, "run with a batch of 1");
	is_int(n, 4 * CONNS, "run with a batch of 1: every connection's two ends, in both storms");
	lost_ends(netns);
out:
	if (keep_fd >= 0)
		close(keep_fd);
	if (collect_fd >= 0)
		close(collect_fd);
	if (hold_fd >= 0)
		close(hold_fd);
	if (batch_fd >= 0)
		close(batch_fd);
	tracer_cleanup(&keep);
	tracer_cleanup(&collect);
	tracer_cleanup(&hold);
	tracer_cleanup(&batch);
	return tap_done();
}
