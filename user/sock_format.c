// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sock_format.h"

#include "addr.h"
#include "escape.h"
#include "holders.h"
#include "proc.h"
#include "states.h"
#include "timefmt.h"
#include "zone.h"

/*
 * A netns inode's digits (ten, from procfs' range), remembered: a host's
 * lines mostly name one or two namespaces.
 */
static char *cur_netns(char *p, uint32_t netns)
{
	static _Thread_local struct {
		uint32_t netns;
		uint8_t len;
		char s[CUR_U64_MAX];
	} memo;

	if (!memo.len || memo.netns != netns) {
		memo.len = (uint8_t)(cur_u64(memo.s, netns) - memo.s);
		memo.netns = netns;
	}
	return cur_putn(p, memo.s, memo.len);
}

char *cur_tuple_json(char *p, const struct st_tuple *t)
{
	const char *proto = proto_name(t->protocol, t->family);
	const char *family = family_name(t->family);

	p = cur_puts(p, "\"netns\":");
	p = cur_netns(p, t->netns);
	p = cur_puts(p, ",\"proto\":");
	if (proto) {
		*p++ = '"';
		p = cur_puts(p, proto);
		*p++ = '"';
	} else {
		p = cur_u64(p, t->protocol);
	}
	p = cur_puts(p, ",\"family\":\"");
	p = cur_puts(p, family ? family : "?");
	p = cur_puts(p, "\",\"laddr\":\"");
	p = cur_addr(p, t->family, t->saddr);
	p = cur_zone(p, t, true);
	p = cur_puts(p, "\",\"lport\":");
	p = cur_u64(p, t->sport);
	p = cur_puts(p, ",\"raddr\":\"");
	p = cur_addr(p, t->family, t->daddr);
	p = cur_zone(p, t, false);
	p = cur_puts(p, "\",\"rport\":");
	return cur_u64(p, t->dport);
}

char *cur_time_json(char *p, const struct output *out, uint64_t mono_ns)
{
	p = cur_puts(p, "\"time\":\"");
	p = cur_rfc3339_us(p, output_realtime(out, mono_ns));
	p = cur_puts(p, "\",\"ts_ns\":");
	return cur_u64(p, mono_ns);
}

char *cur_sock_tuple_json(char *p, uint64_t id, const struct st_tuple *t)
{
	p = cur_puts(p, "\"sock\":");
	p = cur_u64(p, id);
	*p++ = ',';
	return cur_tuple_json(p, t);
}

char *cur_mptcp_parent_json(char *p, const struct sock_entry *e)
{
	if (!e->mptcp_parent)
		return p;
	p = cur_puts(p, ",\"mptcp_parent\":");
	return cur_u64(p, e->mptcp_parent);
}

void put_tuple_json(struct sbuf *sb, const struct st_tuple *t)
{
	SB_VIA_CUR(sb, CUR_TUPLE_JSON_MAX, cur_tuple_json(p, t));
}

void put_time_json(struct sbuf *sb, const struct output *out, uint64_t mono_ns)
{
	SB_VIA_CUR(sb, CUR_TIME_JSON_MAX, cur_time_json(p, out, mono_ns));
}

void put_sock_tuple_json(struct sbuf *sb, uint64_t id, const struct st_tuple *t)
{
	SB_VIA_CUR(sb, CUR_SOCK_TUPLE_JSON_MAX, cur_sock_tuple_json(p, id, t));
}

void put_mptcp_parent_json(struct sbuf *sb, const struct sock_entry *e)
{
	SB_VIA_CUR(sb, CUR_MPTCP_PARENT_JSON_MAX, cur_mptcp_parent_json(p, e));
}

char *cur_proto_text(char *p, const struct sock_entry *e)
{
	const char *proto = proto_name(e->t.protocol, e->t.family);

	p = cur_puts(p, proto ? proto : "?");
	/* ss -ti says tcp-ulp-mptcp; a column of 5 has room for one mark */
	if (e->mptcp_parent)
		*p++ = '*';
	return p;
}

void put_proto_text(struct sbuf *sb, const struct sock_entry *e)
{
	SB_VIA_CUR(sb, CUR_PROTO_TEXT_MAX, cur_proto_text(p, e));
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

void put_task_json(struct sbuf *sb, uint32_t pid, const char *comm)
{
	sb_puts(sb, ",\"task_pid\":");
	sb_put_u64(sb, pid);
	sb_puts(sb, ",\"task_comm\":");
	sb_put_json_string(sb, comm, ST_COMM_LEN);
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

/*
 * An sbuf over the cursor's next @max bytes, for the pieces whose escaping
 * only sbuf appenders do: what they write stays within @max.
 */
static struct sbuf sb_at(char *p, size_t max)
{
	struct sbuf sb;

	sb_init(&sb, p, max + 1);
	return sb;
}

char *cur_origin_json(char *p, const struct sock_origin *o)
{
	struct sbuf sb;

	if (!o)
		return p;
	sb = sb_at(p, CUR_ORIGIN_JSON_MAX);
	put_origin_json(&sb, o);
	return p + sb.len;
}

char *cur_text_comm(char *p, const char *comm)
{
	struct sbuf sb = sb_at(p, CUR_COMM_TEXT_MAX);

	sb_put_text_escaped(&sb, comm, ST_COMM_LEN);
	return p + sb.len;
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

char *cur_err_name(char *p, int err)
{
	const char *name = err > 0 ? strerrorname_np(err) : NULL;

	/* the longest name glibc has is 15 bytes */
	if (name && strlen(name) < CUR_ERR_NAME_MAX)
		return cur_puts(p, name);
	return cur_i64(p, err);
}

void put_err_name(struct sbuf *sb, int err)
{
	SB_VIA_CUR(sb, CUR_ERR_NAME_MAX, cur_err_name(p, err));
}
