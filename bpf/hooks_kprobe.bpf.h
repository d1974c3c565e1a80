/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kprobe/kretprobe family, for kernels without fentry: the kprobe saves
 * the arguments per thread, the kretprobe adds the return value. Same
 * functions as the fentry family.
 */
#ifndef SOCKTRACE_HOOKS_KPROBE_BPF_H
#define SOCKTRACE_HOOKS_KPROBE_BPF_H

static __always_inline int kp_save(__u32 kind, void *sk, void *addr, int alen, int backlog)
{
	struct call_arg arg = {
		.sk = (__u64)(long)sk,
		.addr = (__u64)(long)addr,
		.fd = -1,
		.kind = kind,
		.alen = alen,
		.backlog = backlog,
	};

	return call_save(&arg);
}

static __always_inline int kp_done(long ret)
{
	struct call_arg a;
	struct call_done c = {.ret = ret, .fd = -1};

	if (!call_take(&a))
		return 0;
	c.kind = a.kind;
	if (a.kind == ST_REC_ACCEPT) {
		/* inet_csk_accept returns the new sock, NULL on error */
		if (!ret)
			return 0;
		c.sk = (struct sock *)ret;
		c.listener = (struct sock *)a.sk;
		c.ret = 0;
	} else {
		c.sk = (struct sock *)a.sk;
	}
	c.addr = a.addr;
	c.alen = a.alen;
	c.arg = a.backlog;
	emit_call(&c);
	return 0;
}

SEC("kprobe/inet_bind")
int BPF_KPROBE(kp_inet_bind, struct socket *sock, struct sockaddr *uaddr, int alen)
{
	return kp_save(ST_REC_BIND, BPF_CORE_READ(sock, sk), uaddr, alen, 0);
}

SEC("kretprobe/inet_bind")
int BPF_KRETPROBE(kr_inet_bind, int ret)
{
	return kp_done(ret);
}

SEC("kprobe/inet6_bind")
int BPF_KPROBE(kp_inet6_bind, struct socket *sock, struct sockaddr *uaddr, int alen)
{
	return kp_save(ST_REC_BIND, BPF_CORE_READ(sock, sk), uaddr, alen, 0);
}

SEC("kretprobe/inet6_bind")
int BPF_KRETPROBE(kr_inet6_bind, int ret)
{
	return kp_done(ret);
}

SEC("kprobe/inet_listen")
int BPF_KPROBE(kp_inet_listen, struct socket *sock, int backlog)
{
	return kp_save(ST_REC_LISTEN, BPF_CORE_READ(sock, sk), NULL, 0, backlog);
}

SEC("kretprobe/inet_listen")
int BPF_KRETPROBE(kr_inet_listen, int ret)
{
	return kp_done(ret);
}

/* the listener is the first argument before and after the 6.10 change */
SEC("kprobe/inet_csk_accept")
int BPF_KPROBE(kp_inet_csk_accept, struct sock *listener)
{
	return kp_save(ST_REC_ACCEPT, listener, NULL, 0, 0);
}

SEC("kretprobe/inet_csk_accept")
int BPF_KRETPROBE(kr_inet_csk_accept, void *newsk)
{
	return kp_done((long)newsk);
}

SEC("kprobe/inet_stream_connect")
int BPF_KPROBE(kp_inet_stream_connect, struct socket *sock)
{
	return kp_save(ST_REC_CONNECT, BPF_CORE_READ(sock, sk), NULL, 0, 0);
}

SEC("kretprobe/inet_stream_connect")
int BPF_KRETPROBE(kr_inet_stream_connect, int ret)
{
	return kp_done(ret);
}

SEC("kprobe/inet_dgram_connect")
int BPF_KPROBE(kp_inet_dgram_connect, struct socket *sock)
{
	return kp_save(ST_REC_CONNECT, BPF_CORE_READ(sock, sk), NULL, 0, 0);
}

SEC("kretprobe/inet_dgram_connect")
int BPF_KRETPROBE(kr_inet_dgram_connect, int ret)
{
	return kp_done(ret);
}

#endif
