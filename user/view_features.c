// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "view_features.h"

#include "escape.h"
#include "kernel_features.h"
#include "loader.h"
#include "output.h"

/* "name":"why", for a fallback that was taken */
static void put_fallback_json(struct sbuf *sb, const char *name, const char *why)
{
	if (!why[0])
		return;
	sb_printf(sb, "%s\"%s\":", sb->buf[sb->len - 1] == '{' ? "" : ",", name);
	sb_put_json_string(sb, why, 200);
}

/* "fallback   name: why", for a fallback that was taken */
static void put_fallback_text(struct output *out, const char *name, const char *why)
{
	if (!why[0])
		return;
	sb_printf(&out->sb, "fallback   %s: ", name);
	sb_put_text_escaped(&out->sb, why, 200);
	output_line(out);
}

static void put_json(struct sbuf *sb, const struct kernel_features *kf)
{
	const char *cg = kf->cgroup ? "cgroup" : "snapshot";
	size_t i;

	sb_puts(sb, "{\"kernel\":");
	sb_put_json_string(sb, kf->uts.release, sizeof(kf->uts.release));
	sb_puts(sb, ",\"btf\":");
	if (kf->btf)
		sb_put_json_string(sb, kf->btf, 64);
	else
		sb_puts(sb, "null");
	sb_puts(sb, ",\"available\":{");
	for (i = 0; i < KF_PROBES; i++)
		sb_printf(sb, "\"%s\":%s,", kf->probes[i].name,
			  kf->probes[i].ok ? "true" : "false");
	sb_printf(sb, "\"ringbuf\":%s},\"unavailable_because\":{", kf->ringbuf ? "true" : "false");
	for (i = 0; i < KF_PROBES; i++) {
		if (kf->probes[i].ok)
			continue;
		sb_printf(sb, "%s\"%s\":", sb->buf[sb->len - 1] == '{' ? "" : ",",
			  kf->probes[i].name);
		sb_put_json_string(sb, kf->probes[i].why, sizeof(kf->probes[i].why));
	}
	sb_puts(sb, "},\"hooks\":");
	if (kf->state) {
		sb_printf(sb,
			  "{\"state\":\"%s\",\"bind\":\"%s\",\"listen\":\"%s\",\"accept\":"
			  "\"%s\","
			  "\"connect\":\"%s\",\"udp_close\":\"%s\",\"syn_port\":\"%s\","
			  "\"sock_from_fd\":",
			  kf->state, kf->calls, kf->calls, kf->calls, kf->calls, cg, kf->syn_port);
		if (kf->sock_from_fd)
			sb_printf(sb, "\"%s\"", kf->sock_from_fd);
		else
			sb_puts(sb, "null");
		sb_puts(sb, ",\"call_args\":");
		if (kf->call_args)
			sb_printf(sb, "\"%s\"", kf->call_args);
		else
			sb_puts(sb, "null");
		sb_puts(sb, ",\"mptcp\":");
		if (kf->mptcp)
			sb_printf(sb, "\"%s\"}", kf->mptcp);
		else
			sb_puts(sb, "null}");
	} else
		sb_puts(sb, "null");
	sb_puts(sb, ",\"fallbacks\":{");
	put_fallback_json(sb, "state", kf->state_why);
	put_fallback_json(sb, "calls", kf->calls_why);
	put_fallback_json(sb, "seed", kf->seed_why);
	put_fallback_json(sb, "mptcp", kf->mptcp_why);
	sb_puts(sb, "},\"seed\":");
	if (kf->seed_sockets)
		sb_printf(sb, "{\"sockets\":\"%s\",\"holders\":\"%s\"}", kf->seed_sockets,
			  kf->seed_holders);
	else
		sb_puts(sb, "null");
	sb_puts(sb, ",\"unix\":{\"calls\":");
	sb_puts(sb, kf->unix_calls ? "\"syscall\"" : "null");
	sb_puts(sb, ",\"call_args\":");
	if (kf->unix_call_args)
		sb_printf(sb, "\"%s\"", kf->unix_call_args);
	else
		sb_puts(sb, "null");
	sb_puts(sb, ",\"close\":");
	if (kf->unix_close)
		sb_printf(sb, "\"%s\"", kf->unix_close);
	else
		sb_puts(sb, "\"snapshot\"");
	sb_printf(sb, ",\"sockets\":\"%s\"}", kf->seed_unix ? kf->seed_unix : "none");
	sb_puts(sb, ",\"life\":");
	if (kf->state) {
		sb_printf(sb, "{\"path\":\"%s\",\"store\":", kf->life_kernel ? "kernel" : "table");
		if (kf->life_kernel) {
			sb_printf(sb, "\"%s\",\"capacity\":", kf->life_kernel);
			if (kf->life_capacity)
				sb_printf(sb, "%u", kf->life_capacity);
			else
				sb_puts(sb, "null");
			sb_puts(sb, ",\"why\":null}");
		} else {
			sb_puts(sb, "null,\"capacity\":null,\"why\":");
			sb_put_json_string(sb, kf->life_why, sizeof(kf->life_why));
			sb_putc(sb, '}');
		}
	} else {
		sb_puts(sb, "null");
	}
	sb_putc(sb, '}');
}

static void put_text(struct output *out, const struct kernel_features *kf)
{
	struct sbuf *sb = &out->sb;
	size_t i;

	sb_printf(sb, "kernel     %s", kf->uts.release);
	output_line(out);
	sb_printf(sb, "btf        %s", kf->btf ? kf->btf : "none (CO-RE needs kernel BTF)");
	output_line(out);
	for (i = 0; i < KF_PROBES; i++) {
		sb_printf(sb, "%-10s %s", kf->probes[i].name, kf->probes[i].ok ? "yes" : "no");
		if (!kf->probes[i].ok)
			sb_printf(sb, " (%s)", kf->probes[i].why);
		output_line(out);
	}
	sb_printf(sb, "%-10s %s", "ringbuf", kf->ringbuf ? "yes" : "no");
	output_line(out);
	if (kf->state) {
		sb_printf(sb,
			  "hooks      state=%s bind=%s listen=%s accept=%s connect=%s "
			  "udp_close=%s syn_port=%s",
			  kf->state, kf->calls, kf->calls, kf->calls, kf->calls,
			  kf->cgroup ? "cgroup" : "snapshot", kf->syn_port);
		if (kf->sock_from_fd)
			sb_printf(sb, " sock_from_fd=%s", kf->sock_from_fd);
		if (kf->call_args)
			sb_printf(sb, " call_args=%s", kf->call_args);
		sb_printf(sb, " mptcp=%s", kf->mptcp ? kf->mptcp : "none");
	} else {
		sb_puts(sb, "hooks      none: socktrace cannot run here");
	}
	output_line(out);
	if (kf->seed_sockets) {
		sb_printf(sb, "seed       sockets=%s holders=%s", kf->seed_sockets,
			  kf->seed_holders);
		output_line(out);
	}
	if (kf->state) {
		sb_printf(sb, "unix       calls=%s%s%s close=%s sockets=%s",
			  kf->unix_calls ? "syscall" : "none",
			  kf->unix_call_args ? " call_args=" : "",
			  kf->unix_call_args ? kf->unix_call_args : "",
			  kf->unix_close ? kf->unix_close : "snapshot",
			  kf->seed_unix ? kf->seed_unix : "none");
		output_line(out);
	}
	if (kf->state) {
		/* life: one record per connection end, or every transition */
		if (kf->life_kernel) {
			sb_printf(sb, "life       path=kernel store=%s", kf->life_kernel);
			if (kf->life_capacity)
				sb_printf(sb, " capacity=%u", kf->life_capacity);
			sb_puts(sb, " (one record per end)");
		} else {
			sb_puts(sb, "life       path=table (");
			sb_put_text_escaped(sb, kf->life_why, sizeof(kf->life_why));
			sb_putc(sb, ')');
		}
		output_line(out);
	}
	put_fallback_text(out, "state", kf->state_why);
	put_fallback_text(out, "calls", kf->calls_why);
	put_fallback_text(out, "seed", kf->seed_why);
	put_fallback_text(out, "mptcp", kf->mptcp_why);
	if (!kf->cgroup && kf->state) {
		sb_puts(sb, "           (no cgroup hooks: ");
		sb_put_text_escaped(sb, kf->cgroup_why, 128);
		sb_putc(sb, ')');
		output_line(out);
	}
}

int features_report(const struct options *o)
{
	struct kernel_features kf;
	struct output out = {0};
	int status;

	libbpf_set_verbosity(o->verbose);
	kernel_features_probe(&kf, o);
	output_init(&out, stdout);
	if (o->json) {
		put_json(&out.sb, &kf);
		output_line(&out);
	} else {
		put_text(&out, &kf);
	}
	output_flush(&out);
	status = output_status(&out);
	output_free(&out);
	return status ? status : kf.state ? 0 : 1;
}
