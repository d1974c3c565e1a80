// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "btf_file.h"
#include "filter.h"
#include "metrics.h"
#include "metrics_http.h"
#include "netns_arg.h"
#include "numparse.h"
#include "states.h"
#include "warn.h"

#define DEFAULT_MAX_SOCKETS (1u << 20)

enum long_only {
	OPT_JSON = 256,
	OPT_PID,
	OPT_COMM,
	OPT_PORT,
	OPT_LPORT,
	OPT_RPORT,
	OPT_STATE,
	OPT_NETNS,
	OPT_DURATION,
	OPT_COUNT,
	OPT_READY_FILE,
	OPT_RINGBUF_SIZE,
	OPT_MAX_SOCKETS,
	OPT_STATE_HOOK,
	OPT_HOOKS,
	OPT_SEED,
	OPT_HELP,
	OPT_VERSION,
	OPT_MIN_MS,
	OPT_MAX_MS,
	OPT_INTERVAL,
	OPT_BTF,
	OPT_METRICS,
	OPT_WEB_CONFIG,
	OPT_METRICS_MAX_SERIES,
	OPT_PATH,
	OPT_LIFE_PATH,
};

static const struct option long_opts[] = {
	{"json", no_argument, NULL, OPT_JSON},
	{"pid", required_argument, NULL, OPT_PID},
	{"comm", required_argument, NULL, OPT_COMM},
	{"port", required_argument, NULL, OPT_PORT},
	{"lport", required_argument, NULL, OPT_LPORT},
	{"rport", required_argument, NULL, OPT_RPORT},
	{"state", required_argument, NULL, OPT_STATE},
	{"netns", required_argument, NULL, OPT_NETNS},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"count", required_argument, NULL, OPT_COUNT},
	{"ready-file", required_argument, NULL, OPT_READY_FILE},
	{"ringbuf-size", required_argument, NULL, OPT_RINGBUF_SIZE},
	{"max-sockets", required_argument, NULL, OPT_MAX_SOCKETS},
	{"state-hook", required_argument, NULL, OPT_STATE_HOOK},
	{"hooks", required_argument, NULL, OPT_HOOKS},
	{"seed", required_argument, NULL, OPT_SEED},
	{"no-header", no_argument, NULL, 'H'},
	{"wide", no_argument, NULL, 'w'},
	{"timestamps", no_argument, NULL, 'T'},
	{"numeric", no_argument, NULL, 'n'},
	{"verbose", no_argument, NULL, 'v'},
	{"interval", required_argument, NULL, OPT_INTERVAL},
	{"btf", required_argument, NULL, OPT_BTF},
	{"min-ms", required_argument, NULL, OPT_MIN_MS},
	{"max-ms", required_argument, NULL, OPT_MAX_MS},
	{"life-path", required_argument, NULL, OPT_LIFE_PATH},
	{"help", no_argument, NULL, OPT_HELP},
	{"version", no_argument, NULL, OPT_VERSION},
	{"tcp", no_argument, NULL, 't'},
	{"udp", no_argument, NULL, 'u'},
	{"unix", no_argument, NULL, 'x'},
	{"path", required_argument, NULL, OPT_PATH},
	{"listening", no_argument, NULL, 'l'},
	{"all", no_argument, NULL, 'a'},
	{"program", no_argument, NULL, 'p'},
	{"extend", no_argument, NULL, 'e'},
	{"continuous", optional_argument, NULL, 'c'},
	{"metrics", required_argument, NULL, OPT_METRICS},
	{"web-config", required_argument, NULL, OPT_WEB_CONFIG},
	{"metrics-max-series", required_argument, NULL, OPT_METRICS_MAX_SERIES},
	{NULL, 0, NULL, 0},
};

void options_usage(FILE *out)
{
	fputs("usage: socktrace [watch|life|table|reuseport|accept|serve|features] [OPTIONS]\n"
	      "\n"
	      "  watch (default)  stream TCP state transitions with the owning process\n"
	      "  life             one line per TCP connection when it ends: lifetime, bytes\n"
	      "  table            netstat-style table of the live socket table\n"
	      "  reuseport        how the listeners of a port, and the processes that\n"
	      "    (or accept)    accept from them, share its connections\n"
	      "  serve            no output: serve Prometheus metrics (--metrics)\n"
	      "  features         what this kernel offers and which hooks socktrace uses\n"
	      "\n"
	      "Output:    --json  -H/--no-header  -w/--wide  -T/--timestamps  -n/--numeric\n"
	      "Filters:   --pid PID  --comm NAME  --port P  --lport P  --rport P\n"
	      "           --state NAME[,NAME...]  -4  -6  --netns INODE|NAME|PATH\n"
	      "           -t -u -x (TCP, UDP, UNIX; table, watch, life)  --path GLOB (UNIX)\n"
	      "Run:       --duration SECONDS  --count N  --ready-file PATH  -v (-vv)\n"
	      "Tuning:    --ringbuf-size SIZE (default 8M)  --btf FILE (kernel BTF)\n"
	      "           --max-sockets N (default 1M)\n"
	      "           --state-hook auto|tp_btf|raw_tp|tracepoint\n"
	      "           --hooks auto|fentry|kprobe|tracepoint\n"
	      "           --seed auto|iter|netlink (sockets that predate socktrace)\n"
	      "table:     -l -a -p -e  -c [SECONDS] (refresh)\n"
	      "life:      --min-ms MS  --max-ms MS  --life-path auto|table|hash|sk_storage\n"
	      "reuseport: --port P  --interval SECONDS (default 1)  -e (list every process)\n"
	      "Metrics:   --metrics [ADDR:]PORT (serve's default " METRICS_DEFAULT_ADDR "; also\n"
	      "           with watch, life, reuseport)  --web-config FILE (TLS, basic auth)\n"
	      "           --metrics-max-series N (default 1000)  serve: --interval SECONDS\n"
	      "           (listener queue refresh, default 10)\n"
	      "\n"
	      "Examples:\n"
	      "  socktrace                          every transition, live\n"
	      "  socktrace --port 443 --json        one JSON object per transition on port 443\n"
	      "  socktrace life --max-ms 10         connections that lived under 10 ms\n"
	      "  socktrace table -tlp               listening TCP sockets and their processes\n"
	      "  socktrace table -tanpe -c 2        all TCP sockets, refreshed every 2 s\n"
	      "  socktrace table -xanp              all UNIX sockets, both ends' processes\n"
	      "  socktrace watch -x --path '/run/*' who binds, connects and accepts there\n"
	      "  socktrace accept --port 8080       which processes take port 8080's connections\n"
	      "  socktrace serve --metrics 127.0.0.1:9476   Prometheus metrics, no output\n",
	      out);
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	char msg[WARN_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warnf("%s (see socktrace --help)", msg);
	return 2;
}

static int parse_port_opt(const char *name, const char *arg, uint16_t *out)
{
	if (parse_port(arg, out))
		return usage_error("%s: '%s' is not a port (1-65535)", name, arg);
	return 0;
}

static int parse_states(const char *arg, uint32_t *mask)
{
	char buf[256], *tok, *next;

	if (strlen(arg) >= sizeof(buf))
		return usage_error("--state: list too long");
	strcpy(buf, arg);
	/* by hand: strtok() skips empty names, and "LISTEN," is a typo to report */
	for (tok = buf; tok; tok = next) {
		int s;

		next = strchr(tok, ',');
		if (next)
			*next++ = '\0';
		if (!*tok)
			return usage_error("--state: empty state name in '%s'", arg);
		s = tcp_state_parse(tok);
		if (s < 0)
			return usage_error("--state: unknown state '%s'", tok);
		*mask |= 1u << s;
	}
	return 0;
}

static int parse_hook(const char *name, const char *arg, enum hook_choice *out)
{
	static const struct {
		const char *name;
		enum hook_choice h;
	} names[] = {
		{"auto", HOOK_AUTO},	 {"tp_btf", HOOK_TP_BTF}, {"tracepoint", HOOK_TRACEPOINT},
		{"fentry", HOOK_FENTRY}, {"kprobe", HOOK_KPROBE}, {"raw_tp", HOOK_RAW_TP},
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(arg, names[i].name) == 0) {
			*out = names[i].h;
			return 0;
		}
	}
	return usage_error("%s: unknown hook family '%s'", name, arg);
}

static int parse_seed(const char *arg, enum seed_choice *out)
{
	if (strcmp(arg, "auto") == 0)
		*out = SEED_AUTO;
	else if (strcmp(arg, "iter") == 0)
		*out = SEED_ITER;
	else if (strcmp(arg, "netlink") == 0)
		*out = SEED_NETLINK;
	else
		return usage_error("--seed: use auto, iter or netlink, not '%s'", arg);
	return 0;
}

static int parse_command(const char *word, enum command *cmd)
{
	if (strcmp(word, "watch") == 0)
		*cmd = CMD_WATCH;
	else if (strcmp(word, "table") == 0)
		*cmd = CMD_TABLE;
	else if (strcmp(word, "features") == 0)
		*cmd = CMD_FEATURES;
	else if (strcmp(word, "life") == 0)
		*cmd = CMD_LIFE;
	else if (strcmp(word, "reuseport") == 0 || strcmp(word, "accept") == 0)
		*cmd = CMD_REUSEPORT;
	else if (strcmp(word, "serve") == 0)
		*cmd = CMD_SERVE;
	else if (strcmp(word, "help") == 0)
		*cmd = CMD_HELP;
	else
		return usage_error("unknown command '%s'", word);
	return 0;
}

/* --metrics and its companions: where they belong, serve's defaults. */
static int metrics_options_check(struct options *o)
{
	if (o->cmd == CMD_SERVE) {
		if (!o->metrics)
			o->metrics = METRICS_DEFAULT_ADDR;
		if (o->json || o->no_header || o->wide || o->timestamps)
			return usage_error("serve prints nothing: --json -H -w -T do not apply");
		if (o->f.pid || o->f.has_comm || o->f.port || o->f.lport || o->f.rport ||
		    o->f.states || o->f.path_glob)
			return usage_error("serve counts every socket: only -4, -6 and --netns "
					   "filter it");
	}
	if (!o->metrics && (o->web_config || o->metrics_max_series))
		return usage_error("--web-config and --metrics-max-series need --metrics");
	if (o->metrics && o->cmd != CMD_SERVE && o->cmd != CMD_WATCH && o->cmd != CMD_LIFE &&
	    o->cmd != CMD_REUSEPORT)
		return usage_error("--metrics belongs to serve, watch, life and reuseport");
	if (!o->metrics_max_series)
		o->metrics_max_series = METRICS_DEFAULT_MAX_SERIES;
	return 0;
}

int options_parse(int argc, char **argv, struct options *o)
{
	bool v4 = false, v6 = false;
	char why[96];
	uint64_t v;
	int c, ret;

	memset(o, 0, sizeof(*o));
	o->cmd = CMD_WATCH;
	o->ringbuf_size = 0; /* the loader's choice (loader.h) */
	o->max_sockets = DEFAULT_MAX_SOCKETS;

	if (argc > 1 && argv[1][0] != '-') {
		ret = parse_command(argv[1], &o->cmd);
		if (ret)
			return ret;
		argv++;
		argc--;
	}

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":46HwTnvtuxlapec::", long_opts, NULL)) != -1) {
		ret = 0;
		switch (c) {
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_PID:
			if (parse_u64(optarg, 1, 4194304, &v))
				return usage_error("--pid: '%s' is not a process id", optarg);
			o->f.pid = (uint32_t)v;
			break;
		case OPT_COMM:
			if (!*optarg || strlen(optarg) >= sizeof(o->f.comm))
				return usage_error("--comm: name must be 1-15 bytes");
			strcpy(o->f.comm, optarg);
			o->f.has_comm = true;
			break;
		case OPT_PORT:
			ret = parse_port_opt("--port", optarg, &o->f.port);
			break;
		case OPT_LPORT:
			ret = parse_port_opt("--lport", optarg, &o->f.lport);
			break;
		case OPT_RPORT:
			ret = parse_port_opt("--rport", optarg, &o->f.rport);
			break;
		case OPT_STATE:
			ret = parse_states(optarg, &o->f.states);
			break;
		case OPT_NETNS: {
			char why[256];

			if (netns_arg_parse(optarg, &o->f.netns, why, sizeof(why)))
				return usage_error("--netns: %s", why);
			break;
		}
		case OPT_DURATION:
			if (parse_seconds(optarg, 0.001, 31536000, &o->duration_ns))
				return usage_error("--duration: '%s' is not a number of seconds",
						   optarg);
			break;
		case OPT_COUNT:
			if (parse_u64(optarg, 1, UINT64_MAX, &o->count))
				return usage_error("--count: '%s' is not a positive count", optarg);
			break;
		case OPT_READY_FILE:
			if (!*optarg)
				return usage_error("--ready-file: empty path");
			o->ready_file = optarg;
			break;
		case OPT_RINGBUF_SIZE:
			if (parse_size(optarg, 4096, 1ull << 30, &v) || (v & (v - 1)))
				return usage_error("--ringbuf-size: '%s' is not a power of two "
						   "between 4K and 1G",
						   optarg);
			o->ringbuf_size = v;
			break;
		case OPT_MAX_SOCKETS:
			if (parse_u64(optarg, 64, 1u << 28, &v))
				return usage_error("--max-sockets: '%s' is not between 64 and %u",
						   optarg, 1u << 28);
			o->max_sockets = (uint32_t)v;
			break;
		case OPT_LIFE_PATH:
			/* auto: connections kept in the kernel where it can */
			if (!strcmp(optarg, "auto"))
				o->life_path = LIFE_PATH_AUTO;
			else if (!strcmp(optarg, "table"))
				o->life_path = LIFE_PATH_TABLE;
			else if (!strcmp(optarg, "hash"))
				o->life_path = LIFE_PATH_HASH;
			else if (!strcmp(optarg, "sk_storage"))
				o->life_path = LIFE_PATH_SK_STORAGE;
			else
				return usage_error(
					"--life-path: use auto, table, hash or sk_storage");
			break;
		case OPT_STATE_HOOK:
			ret = parse_hook("--state-hook", optarg, &o->state_hook);
			if (!ret && o->state_hook != HOOK_AUTO && o->state_hook != HOOK_TP_BTF &&
			    o->state_hook != HOOK_RAW_TP && o->state_hook != HOOK_TRACEPOINT)
				return usage_error(
					"--state-hook: use auto, tp_btf, raw_tp or tracepoint");
			break;
		case OPT_HOOKS:
			ret = parse_hook("--hooks", optarg, &o->hooks);
			if (!ret && (o->hooks == HOOK_TP_BTF || o->hooks == HOOK_RAW_TP))
				return usage_error(
					"--hooks: use auto, fentry, kprobe or tracepoint");
			break;
		case OPT_SEED:
			ret = parse_seed(optarg, &o->seed);
			break;
		case '4':
			v4 = true;
			break;
		case '6':
			v6 = true;
			break;
		case 'H':
			o->no_header = true;
			break;
		case 'w':
			o->wide = true;
			break;
		case 'T':
			o->timestamps = true;
			break;
		case 'n':
			break; /* always numeric: socktrace never resolves names */
		case 'v':
			o->verbose++;
			break;
		case 't':
			o->tcp = true;
			o->f.protos |= SEL_TCP;
			break;
		case 'u':
			o->udp = true;
			o->f.protos |= SEL_UDP;
			break;
		case 'x':
			o->unx = true;
			o->f.protos |= SEL_UNIX;
			break;
		case OPT_PATH:
			if (!*optarg)
				return usage_error("--path: empty pattern");
			o->f.path_glob = optarg;
			break;
		case 'l':
			o->listening = true;
			break;
		case 'a':
			o->all = true;
			break;
		case 'p':
			o->show_pids = true;
			break;
		case 'e':
			o->extended = true;
			break;
		case 'c':
			o->refresh_ns = 1000000000ull;
			/* the seconds attached (-c5, as netstat) or next (-c 5), or none */
			if (!optarg && optind < argc && argv[optind][0] >= '0' &&
			    argv[optind][0] <= '9')
				optarg = argv[optind++];
			if (optarg && parse_seconds(optarg, 0.1, 86400, &o->refresh_ns))
				return usage_error("-c: '%s' is not a number of seconds", optarg);
			break;
		case OPT_MIN_MS:
		case OPT_MAX_MS:
			/* milliseconds, fractions allowed: parse as seconds, scale */
			if (parse_seconds(optarg, 0, 1e9, &v))
				return usage_error("%s: '%s' is not a number of milliseconds",
						   c == OPT_MIN_MS ? "--min-ms" : "--max-ms",
						   optarg);
			*(c == OPT_MIN_MS ? &o->min_ns : &o->max_ns) = v / 1000;
			break;
		case OPT_BTF:
			if (access(optarg, R_OK))
				return usage_error("--btf: cannot read '%s': %s", optarg,
						   strerror(errno));
			if (btf_file_check(optarg, why, sizeof(why)))
				return usage_error("--btf: '%s': %s", optarg, why);
			o->btf = optarg;
			break;
		case OPT_INTERVAL:
			if (parse_seconds(optarg, 0.05, 86400, &o->interval_ns))
				return usage_error("--interval: '%s' is not a number of seconds",
						   optarg);
			break;
		case OPT_METRICS: {
			struct metrics_addr a;
			int err = metrics_addr_parse(optarg, &a);

			if (err == -EADDRNOTAVAIL)
				return usage_error("--metrics: '%s': the name has no IPv4 or IPv6 "
						   "address here",
						   optarg);
			if (err)
				return usage_error("--metrics: '%s' is not [ADDR:]PORT (an IPv4 "
						   "address, IPv6 in brackets, or a host name)",
						   optarg);
			o->metrics = optarg;
			break;
		}
		case OPT_WEB_CONFIG:
			if (!*optarg)
				return usage_error("--web-config: empty path");
			o->web_config = optarg;
			break;
		case OPT_METRICS_MAX_SERIES:
			if (parse_u64(optarg, 1, 1000000, &v))
				return usage_error(
					"--metrics-max-series: '%s' is not between 1 and "
					"1000000",
					optarg);
			o->metrics_max_series = (uint32_t)v;
			break;
		case OPT_HELP:
			o->cmd = CMD_HELP;
			return 0;
		case OPT_VERSION:
			o->cmd = CMD_VERSION;
			return 0;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt && optopt < 256)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
		if (ret)
			return ret;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);

	if (o->cmd != CMD_TABLE && (o->listening || o->all || o->show_pids || o->refresh_ns))
		return usage_error("-l -a -p -c belong to 'socktrace table'");
	if (o->cmd != CMD_TABLE && o->cmd != CMD_WATCH && o->cmd != CMD_LIFE &&
	    o->cmd != CMD_FEATURES && (o->tcp || o->udp || o->unx))
		return usage_error("-t -u -x belong to 'socktrace table', 'watch', 'life' and "
				   "'features'");
	/* a connection's path never holds a listener's states */
	if (o->cmd == CMD_LIFE && o->f.states &&
	    !(o->f.states & ~(1u << ST_TCP_LISTEN | 1u << ST_TCP_NEW_SYN_RECV)))
		return usage_error(
			"life shows connections, and no connection's path passes through "
			"LISTEN or NEW_SYN_RECV");
	/* UDP makes no connections: life -u alone would print nothing, ever */
	if (o->cmd == CMD_LIFE && o->udp && !o->tcp && !o->unx)
		return usage_error("life shows TCP and UNIX connections; UDP sockets make none "
				   "(watch -u shows them)");
	if (o->cmd != CMD_TABLE && o->cmd != CMD_REUSEPORT && o->extended)
		return usage_error("-e belongs to 'socktrace table' and 'socktrace reuseport'");
	if (o->cmd == CMD_TABLE && o->count)
		return usage_error("--count belongs to the streaming views");
	if (o->cmd != CMD_LIFE && (o->min_ns || o->max_ns))
		return usage_error("--min-ms and --max-ms belong to 'socktrace life'");
	if (o->cmd != CMD_LIFE && o->cmd != CMD_FEATURES && o->life_path)
		return usage_error("--life-path belongs to 'socktrace life' and 'features'");
	if (o->metrics && o->life_path >= LIFE_PATH_HASH)
		return usage_error("--life-path %s: --metrics counts every transition in the table",
				   o->life_path == LIFE_PATH_HASH ? "hash" : "sk_storage");
	if (o->max_ns && o->min_ns > o->max_ns)
		return usage_error("--min-ms is above --max-ms");
	if (o->cmd != CMD_REUSEPORT && o->cmd != CMD_SERVE && o->interval_ns)
		return usage_error("--interval belongs to 'socktrace reuseport' and 'serve'");
	if ((o->cmd == CMD_REUSEPORT || o->cmd == CMD_SERVE) && o->count)
		return usage_error("--count belongs to the streaming views");
	if (!o->interval_ns)
		o->interval_ns = o->cmd == CMD_SERVE ? 10000000000ull : 1000000000ull;
	ret = metrics_options_check(o);
	if (ret)
		return ret;
	/* features -x: the hooks watch -x would use */
	if (o->cmd == CMD_FEATURES &&
	    (v4 || v6 || memcmp(&o->f, &(struct filter){.protos = o->f.protos}, sizeof(o->f))))
		return usage_error("'socktrace features' takes no filters (--pid --comm --port "
				   "--lport --rport --state --netns -4 -6)");
	if (o->f.protos == SEL_UNIX && (v4 || v6))
		return usage_error("-4 and -6 name no UNIX socket (-x)");
	if (o->f.protos == SEL_UNIX && (o->f.port || o->f.lport || o->f.rport || o->f.states))
		return usage_error("--port, --lport, --rport and --state name no UNIX socket (-x)");
	if (o->f.path_glob && o->cmd == CMD_REUSEPORT)
		return usage_error("--path belongs to 'socktrace table', 'watch' and 'life'");
	/* a group is a local port's listeners (view_reuseport.c, listener_filter()) */
	if (o->cmd == CMD_REUSEPORT && (o->f.pid || o->f.has_comm || o->f.rport || o->f.states))
		return usage_error(
			"reuseport groups listeners by local port: only --port, --lport, "
			"--netns, -4 and -6 filter it");
	/* both, as netstat -4 -6: every Internet socket, and no UNIX one */
	if (v4 && v6)
		o->f.protos = o->f.protos ? o->f.protos & ~SEL_UNIX : SEL_TCP | SEL_UDP;
	else if (v4 || v6)
		o->f.family = v4 ? AF_INET : AF_INET6;
	/* with a filter that only Internet sockets pass, it would pass nothing */
	if (o->f.path_glob && !filter_may_pass_unix(&o->f))
		return usage_error("--path names UNIX sockets, which -t -u -4 -6 --port --lport "
				   "--rport and --state leave out");
	if (o->cmd == CMD_TABLE && o->listening && o->all)
		return usage_error("-l and -a exclude each other");
	/* the states asked for, listening or not: netstat's default (no
	 * listeners) would hide a LISTEN asked for by name (ss does not) */
	if (o->cmd == CMD_TABLE && o->f.states && !o->listening)
		o->all = true;
	return 0;
}
