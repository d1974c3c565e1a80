// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sock_format.h"

#include "addr.h"
#include "escape.h"
#include "holders.h"
#include "proc.h"
#include "states.h"
#include "timefmt.h"
#include "zone.h"

void put_tuple_json(struct sbuf *sb, const struct st_tuple *t)
{
	const char *proto = proto_name(t->protocol, t->family);

	sb_puts(sb, "\"netns\":");
	sb_put_u64(sb, t->netns);
	sb_puts(sb, ",\"proto\":");
	if (proto) {
		sb_putc(sb, '"');
		sb_puts(sb, proto);
		sb_putc(sb, '"');
	} else {
		sb_put_u64(sb, t->protocol);
	}
	sb_puts(sb, ",\"family\":\"");
	sb_puts(sb, family_name(t->family));
	sb_puts(sb, "\",\"laddr\":\"");
	sb_put_addr(sb, t->family, t->saddr);
	sb_put_zone(sb, t, true);
	sb_puts(sb, "\",\"lport\":");
	sb_put_u64(sb, t->sport);
	sb_puts(sb, ",\"raddr\":\"");
	sb_put_addr(sb, t->family, t->daddr);
	sb_put_zone(sb, t, false);
	sb_puts(sb, "\",\"rport\":");
	sb_put_u64(sb, t->dport);
}

void put_time_json(struct sbuf *sb, const struct output *out, uint64_t mono_ns)
{
	sb_puts(sb, "\"time\":\"");
	sb_put_rfc3339_us(sb, output_realtime(out, mono_ns));
	sb_puts(sb, "\",\"ts_ns\":");
	sb_put_u64(sb, mono_ns);
}

void put_sock_tuple_json(struct sbuf *sb, uint64_t id, const struct st_tuple *t)
{
	sb_puts(sb, "\"sock\":");
	sb_put_u64(sb, id);
	sb_putc(sb, ',');
	put_tuple_json(sb, t);
}

void put_mptcp_parent_json(struct sbuf *sb, const struct sock_entry *e)
{
	if (!e->mptcp_parent)
		return;
	sb_puts(sb, ",\"mptcp_parent\":");
	sb_put_u64(sb, e->mptcp_parent);
}

void put_proto_text(struct sbuf *sb, const struct sock_entry *e)
{
	const char *proto = proto_name(e->t.protocol, e->t.family);

	sb_puts(sb, proto ? proto : "?");
	/* ss -ti says tcp-ulp-mptcp; a column of 5 has room for one mark */
	if (e->mptcp_parent)
		sb_putc(sb, '*');
}

void put_owner_json(struct sbuf *sb, uint32_t pid, const char *comm)
{
	sb_puts(sb, "\"pid\":");
	sb_put_u64(sb, pid);
	sb_puts(sb, ",\"comm\":");
	sb_put_json_string(sb, comm, ST_COMM_LEN);
}

void put_owner_src_json(struct sbuf *sb, uint32_t pid, const char *comm, uint8_t owner_src)
{
	put_owner_json(sb, pid, comm);
	sb_puts(sb, ",\"owner\":\"");
	sb_puts(sb, owner_src_name(owner_src));
	sb_putc(sb, '"');
}

void put_origin_json(struct sbuf *sb, const struct sock_origin *o)
{
	if (!o)
		return;
	sb_puts(sb, ",\"origin_pid\":");
	sb_put_u64(sb, o->pid);
	sb_puts(sb, ",\"origin_comm\":");
	sb_put_json_string(sb, o->comm, ST_COMM_LEN);
}

void put_holders_text(struct sbuf *sb, const struct holder *h, size_t n, size_t all)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			sb_putc(sb, ',');
		sb_put_u64(sb, h[i].pid);
		sb_putc(sb, '/');
		sb_put_text_escaped(sb, h[i].comm, ST_COMM_LEN);
	}
	if (all > n)
		sb_printf(sb, ",(+%zu more)", all - n);
}

void put_cmdline_json(struct sbuf *sb, uint32_t pid, char *cmdline)
{
	bool cut = false;
	size_t len = cmdline ? proc_cmdline(pid, cmdline, CMDLINE_SHOWN, &cut) : 0;

	sb_puts(sb, "\"cmdline\":");
	sb_put_cmdline_json(sb, cmdline ? cmdline : "", len);
	sb_puts(sb, cut ? ",\"cmdline_truncated\":true" : ",\"cmdline_truncated\":false");
}

void put_cmdline_text(struct sbuf *sb, uint32_t pid, char *cmdline)
{
	bool cut;
	size_t len = proc_cmdline(pid, cmdline, CMDLINE_SHOWN, &cut);

	sb_put_cmdline_text(sb, cmdline, len);
	if (cut)
		sb_puts(sb, " [truncated]");
}

void put_holders_json(struct sbuf *sb, const struct holder *h, size_t n, size_t all, char *cmdline)
{
	size_t i;

	sb_puts(sb, "\"pids\":[");
	for (i = 0; i < n; i++) {
		sb_puts(sb, i ? ",{" : "{");
		put_owner_json(sb, h[i].pid, h[i].comm);
		sb_putc(sb, ',');
		put_cmdline_json(sb, h[i].pid, cmdline);
		sb_putc(sb, '}');
	}
	sb_puts(sb, all > n ? "],\"holders_truncated\":true" : "],\"holders_truncated\":false");
}

const char *owner_src_name(uint8_t src)
{
	static const char *const names[] = {
		[OWNER_NONE] = "unknown",  [OWNER_CONNECT] = "connect",	  [OWNER_LISTEN] = "listen",
		[OWNER_ACCEPT] = "accept", [OWNER_LISTENER] = "listener", [OWNER_SEED] = "seed",
		[OWNER_TASK] = "task",	   [OWNER_BIND] = "bind",	  [OWNER_MPTCP] = "mptcp",
		[OWNER_HOLDER] = "holder",
	};

	return src < sizeof(names) / sizeof(names[0]) ? names[src] : "unknown";
}

void put_err_name(struct sbuf *sb, int err)
{
	const char *name = err > 0 ? strerrorname_np(err) : NULL;

	if (name)
		sb_puts(sb, name);
	else
		sb_put_i64(sb, err);
}
