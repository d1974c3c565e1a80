/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel/user ABI of socktrace: every record that crosses the ring buffer
 * or a BPF iterator's seq file, for the BPF programs (the __u32 family of
 * types from vmlinux.h) and userspace (from <linux/types.h>).
 *
 * Rules: fixed-width types only; a __u32 type tag first, then the record size;
 * largest fields next. Byte order: addresses are in network order (as the
 * kernel stores them, IPv4 in the first 4 bytes of the 16), every other
 * integer, ports included, is in host order. Userspace checks the size and tag
 * of each record before it reads anything else (user/decode.c).
 */
#ifndef SOCKTRACE_ABI_H
#define SOCKTRACE_ABI_H

#ifdef __bpf__
#include "vmlinux.h"
#else
#include <linux/types.h>
#endif

#define ST_COMM_LEN 16
#define ST_ADDR_LEN 16

/* st_tuple.protocol */
#define ST_IPPROTO_TCP	 6
#define ST_IPPROTO_UDP	 17
#define ST_IPPROTO_MPTCP 262

enum st_rec_type {
	ST_REC_STATE = 1,   /* inet_sock_set_state fired */
	ST_REC_ACCEPT = 2,  /* accept() returned a connection (st_call_rec) */
	ST_REC_CONNECT = 3, /* connect() returned (st_call_rec) */
	ST_REC_SOCK = 4,    /* iterator: one socket as it is now */
	ST_REC_FILE = 5,    /* iterator: a task holds a socket in an fd */
	ST_REC_BIND = 6,    /* bind() returned, successful or not (st_call_rec) */
	ST_REC_LISTEN = 7,  /* listen() returned (st_call_rec) */
	ST_REC_CLOSE = 8,   /* a UDP socket was released (st_call_rec) */
	ST_REC_PORT = 9,    /* tcp_connect() chose the source port (st_call_rec, by cookie) */
	ST_REC_QUEUED = 10, /* a connection was queued on listener sk (st_call_rec; arg: queue) */
	ST_REC_UNIX = 11,   /* a UNIX domain socket: a call, a close, or a snapshot (st_unix_rec) */
	ST_REC_LIFE = 12,   /* a TCP connection ended: its whole life, built in the kernel */
	ST_REC_TYPE_MAX = 12,
};

/* Whether records of this type are a struct st_call_rec. */
static inline int st_rec_is_call(__u32 type)
{
	return type == ST_REC_ACCEPT || type == ST_REC_CONNECT || type == ST_REC_BIND ||
	       type == ST_REC_LISTEN || type == ST_REC_CLOSE || type == ST_REC_PORT ||
	       type == ST_REC_QUEUED;
}

/* st_call_rec.call_flags */
enum st_call_flags {
	/* a failed call's address (bind: local, connect: remote) came from the
	 * caller's memory */
	ST_CALL_ADDR_USER = 1 << 0,
};

/* st_tuple.flags */
enum st_sk_flags {
	ST_SK_REUSEADDR = 1 << 0,
	ST_SK_REUSEPORT = 1 << 1,
	ST_SK_V6ONLY = 1 << 2,
	ST_SK_TIMEWAIT = 1 << 3, /* an inet_timewait_sock (iterator only) */
	ST_SK_REQUEST = 1 << 4,	 /* a request_sock (iterator only) */
};

/*
 * st_state_rec.close_flags, on -> CLOSE: the byte counters count sequence
 * space, where a SYN and a FIN take one each; these say which FINs are in.
 */
enum st_close_flags {
	ST_CLOSE_FIN_IN = 1 << 0,	 /* the peer's FIN reached this socket */
	ST_CLOSE_FIN_OUT_ACKED = 1 << 1, /* our FIN was acknowledged */
};

/* TCP states, numbered as the kernel numbers them (include/net/tcp_states.h). */
enum st_tcp_state {
	ST_TCP_ESTABLISHED = 1,
	ST_TCP_SYN_SENT,
	ST_TCP_SYN_RECV,
	ST_TCP_FIN_WAIT1,
	ST_TCP_FIN_WAIT2,
	ST_TCP_TIME_WAIT,
	ST_TCP_CLOSE,
	ST_TCP_CLOSE_WAIT,
	ST_TCP_LAST_ACK,
	ST_TCP_LISTEN,
	ST_TCP_CLOSING,
	ST_TCP_NEW_SYN_RECV,
	ST_TCP_MAX_STATE = ST_TCP_NEW_SYN_RECV,
};

struct st_hdr {
	__u32 type;  /* enum st_rec_type */
	__u32 size;  /* sizeof the whole record */
	__u64 ts_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
};

struct st_tuple {
	__u8 saddr[ST_ADDR_LEN]; /* network order; IPv4 in saddr[0..3] */
	__u8 daddr[ST_ADDR_LEN];
	__u32 netns;	/* network namespace inode number */
	__u16 sport;	/* host order */
	__u16 dport;	/* host order */
	__u16 family;	/* AF_INET, AF_INET6 */
	__u16 protocol; /* IPPROTO_TCP, ...; IPPROTO_MPTCP (262) needs 16 bits */
	__u8 flags;	/* enum st_sk_flags */
	__u8 pad[3];
	/* sk_bound_dev_if: the device the socket is bound to, which is the scope
	 * (zone) of a link-local IPv6 address; 0 for none */
	__u32 bound_dev_if;
};

struct st_task {
	__u32 tgid; /* 0: no process (softirq on an idle CPU) */
	__u32 tid;
	char comm[ST_COMM_LEN]; /* may lack a NUL: never trusted as a C string */
};

struct st_state_rec {
	struct st_hdr hdr;
	__u64 sk;	   /* struct sock address: identity, reused after the final CLOSE */
	__u64 cookie;	   /* socket cookie; 0 where the hook cannot get one */
	__u64 bytes_acked; /* tcp_sock counters, sent and acknowledged */
	__u64 bytes_received;
	/* a TCP subflow of an MPTCP connection: the MPTCP socket's sock address
	 * (read on -> SYN_SENT, ESTABLISHED and LISTEN, once it is set); else 0 */
	__u64 mptcp_parent;
	struct st_tuple t;
	__u32 rx_queue;	     /* LISTEN: accept queue length; else 0 */
	__u32 tx_queue;	     /* LISTEN: accept backlog limit; else 0 */
	struct st_task task; /* the task the kernel ran the transition in */
	__u8 oldstate;
	__u8 newstate;
	__u8 sk_err;	  /* sk->sk_err at the transition: ECONNREFUSED, ECONNRESET, ... */
	__u8 close_flags; /* -> CLOSE: enum st_close_flags */
};

/*
 * bind, listen, accept, connect returns and UDP releases: the socket's tuple as
 * the kernel has it after the call. A failed bind has no bound address in the
 * socket, a connect that failed before SYN_SENT no remote end: the address
 * the call asked for is copied from its sockaddr instead (the kernel's copy
 * where the hook has one, else the caller's memory, flagged ST_CALL_ADDR_USER).
 */
struct st_call_rec {
	struct st_hdr hdr;
	__u64 sk; /* the socket's sock (accept: the new connection) */
	__u64 cookie;
	__u64 listener; /* accept: the listening sock; else 0 */
	struct st_tuple t;
	struct st_task task;
	__s32 ret; /* return: fd, 0, or -errno */
	__s32 fd;  /* the fd the call was made on; -1 where the hook has none */
	__u32 arg; /* listen: the backlog in effect; bind: the bound device's ifindex */
	__u8 state;
	__u8 call_flags; /* enum st_call_flags */
	__u8 pad[6];
};

/* iter/tcp, iter/udp: a socket as it is now. */
struct st_sock_rec {
	struct st_hdr hdr;
	__u64 sk;
	__u64 cookie;
	__u64 ino;	    /* socket inode, 0 if none (timewait, request, orphan) */
	__u64 mptcp_parent; /* a TCP subflow: its MPTCP socket's sock address; else 0 */
	struct st_tuple t;
	__u32 rx_queue; /* as netstat: LISTEN accept queue, else unread bytes */
	__u32 tx_queue; /* as netstat: LISTEN backlog, else unacked bytes */
	__u32 uid;
	__u32 ttl_jiffies; /* timewait: time left, in the kernel's jiffies (HZ varies) */
	__u32 drops;	   /* LISTEN: connections the listener dropped (sk_drops) */
	__u8 state;
	__u8 rec_flags; /* enum st_sock_rec_flags */
	__u8 pad[6];
};

/*
 * st_sock_rec.rec_flags. Snapshots come from BPF iterators or, where a kernel
 * has none, from sock_diag netlink (userspace makes the records then): that
 * source knows no struct sock address (sk is 0, the cookie names the socket)
 * and cannot tell SO_REUSEADDR/SO_REUSEPORT.
 */
enum st_sock_rec_flags {
	ST_SOCK_REUSE_UNKNOWN = 1 << 0, /* t.flags' REUSEADDR/REUSEPORT bits mean nothing */
};

/*
 * iter/task_file (or a /proc fd scan): task tgid holds socket inode ino in
 * fd. A /proc scan knows no sk (0) and takes the cookie from sock_diag.
 */
enum st_file_flags {
	/* a /proc scan asked the socket itself (a duplicate of the holder's fd)
	 * what sock_diag cannot tell: sk_flags holds SO_REUSEADDR/SO_REUSEPORT */
	ST_FILE_SK_FLAGS = 1 << 0,
};

struct st_file_rec {
	struct st_hdr hdr;
	__u64 sk;
	__u64 cookie;
	__u64 ino;
	struct st_task task;
	__u32 fd;
	__u8 sk_flags;	 /* with ST_FILE_SK_FLAGS: the ST_SK_REUSE* bits, from getsockopt() */
	__u8 file_flags; /* enum st_file_flags */
	__u8 pad[2];
};

/*
 * UNIX domain sockets have no tuple and no state machine of their own, and
 * one record type covers them: what happened (event), where the record came
 * from (source), and the socket as the kernel has it after the fact.
 */
#define ST_UNIX_PATH_LEN 108 /* sizeof(sockaddr_un.sun_path) */

enum st_unix_event {
	ST_UNIX_SOCK = 1, /* a snapshot: the socket as it is now */
	ST_UNIX_BIND,
	ST_UNIX_LISTEN,
	ST_UNIX_CONNECT,
	ST_UNIX_ACCEPT,	    /* sk: the new connection; peer: the connecting socket */
	ST_UNIX_SOCKETPAIR, /* sk and peer: the two ends; fd, arg: their fds */
	ST_UNIX_CLOSE,	    /* the last reference went */
	ST_UNIX_EVENT_MAX = ST_UNIX_CLOSE,
};

/* Which hook or source made the record (reported as the event's "source"). */
enum st_unix_source {
	ST_UNIX_SRC_ITER = 1, /* iter/unix */
	ST_UNIX_SRC_DIAG,     /* sock_diag UNIX_DIAG (userspace) */
	ST_UNIX_SRC_SYSCALL,  /* a syscall exit tracepoint, the fd read from the task */
	ST_UNIX_SRC_FENTRY,   /* fentry on unix_release_sock */
	ST_UNIX_SRC_KPROBE,   /* kprobe on unix_release_sock */
	ST_UNIX_SRC_CLOSE,    /* the close() syscall on the last fd of a file */
	ST_UNIX_SRC_SNAPSHOT, /* derived: a later snapshot no longer had it (userspace) */
	ST_UNIX_SRC_MAX = ST_UNIX_SRC_SNAPSHOT,
};

/* st_unix_rec.state: the struct socket's state, as /proc/net/unix shows it */
enum st_unix_state {
	ST_SS_UNCONNECTED = 1,
	ST_SS_CONNECTING,
	ST_SS_CONNECTED,
	ST_SS_DISCONNECTING,
	ST_SS_MAX = ST_SS_DISCONNECTING,
};

/* st_unix_rec.flags, netstat's Flags column (/proc/net/unix's __SO_ACCEPTCON) */
enum st_unix_flags {
	ST_UNIX_ACC = 1 << 0, /* listening */
};

struct st_unix_rec {
	struct st_hdr hdr;
	__u64 sk;
	__u64 ino;	/* socket inode; 0 for an embryo not yet accepted */
	__u64 peer_sk;	/* the connected peer's sock, 0 if none */
	__u64 peer_ino; /* the peer's inode, 0 if none or unknown */
	struct st_task task;
	__u32 netns;
	__u32 uid;
	__u32 refcnt;	/* sk_refcnt as /proc/net/unix shows it; 0: unknown (sock_diag) */
	__u32 rx_queue; /* listener: connections waiting; else bytes (stream) or datagrams */
	__u32 tx_queue; /* listener: the backlog; else bytes being sent */
	__s32 ret;	/* calls: the return, 0 or -errno (accept: the new fd) */
	__s32 fd;	/* calls: the fd the call was made on; else -1 */
	__u32 arg;	/* listen: the backlog asked for; socketpair: the second fd */
	__u16 type;	/* SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_SEQPACKET 5 */
	__u16 path_len; /* bytes of path; 0 unnamed; path[0] == 0 abstract */
	__u8 state;	/* enum st_unix_state */
	__u8 flags;	/* enum st_unix_flags */
	__u8 event;	/* enum st_unix_event */
	__u8 source;	/* enum st_unix_source */
	char path[ST_UNIX_PATH_LEN]; /* not NUL-terminated; abstract names hold NULs */
	__u8 pad[4];
};

/*
 * How a connection's owner was learnt (st_life_rec.owner_src, origin_src);
 * the numbers are userspace's enum owner_src (user/table.h asserts them).
 */
enum st_owner_src {
	ST_OWNER_NONE = 0,     /* unknown: the line names the task of the last transition */
	ST_OWNER_CONNECT = 1,  /* CLOSE -> SYN_SENT ran in it */
	ST_OWNER_LISTEN = 2,   /* -> LISTEN ran in it (listeners: never in a record) */
	ST_OWNER_ACCEPT = 3,   /* accept() returned the connection to it */
	ST_OWNER_LISTENER = 4, /* a passive child not yet accepted: its listener's owner */
	ST_OWNER_TASK = 6,     /* it made a transition only a process makes */
	ST_OWNER_HOLDER = 9,   /* another process made such a transition: it holds it now */
};

/* st_life_rec.life_flags */
enum st_life_flags {
	ST_LIFE_PASSIVE = 1 << 0, /* made by a listener (LISTEN -> SYN_RECV) */
	/* a FIN or reset arrived in another task than the owner's, which
	 * userspace asks about (has the owner exited? who holds it now?) */
	ST_LIFE_HOLDER_CHECK = 1 << 1,
	/* a child of a listener the kernel keeps no owner for (it predates
	 * socktrace): userspace names the listener's owner */
	ST_LIFE_LISTENER_UNKNOWN = 1 << 2,
	/* its end was never reported: a new socket started at its address
	 * (the record's time is that start's; its states are what was seen) */
	ST_LIFE_END_UNSEEN = 1 << 3,
	ST_LIFE_FLAGS_ALL = (1 << 4) - 1,
};

/*
 * life: one record per TCP connection end, built in the kernel from every
 * transition of a socket whose start it saw (bpf/life.bpf.h). The states,
 * owner and tuple as the table would have made them of the same transitions.
 */
#define ST_PATH_MAX_STATES 16

struct st_life_rec {
	struct st_hdr hdr; /* ts_ns: the last transition (-> CLOSE, or TIME_WAIT) */
	__u64 sk;
	__u64 cookie;	   /* at the end */
	__u64 first_ns;	   /* the first transition (CLOCK_MONOTONIC) */
	__u64 bytes_acked; /* tcp_sock counters at the end, as in st_state_rec */
	__u64 bytes_received;
	__u64 path;	     /* the states it went through, 4 bits each, oldest lowest */
	__u64 mptcp_parent;  /* a TCP subflow: its MPTCP socket's sock address; else 0 */
	struct st_tuple t;   /* every transition's tuple merged: zero fields never overwrite */
	struct st_task task; /* the task the last transition ran in */
	char owner_comm[ST_COMM_LEN];
	char origin_comm[ST_COMM_LEN]; /* owner_src HOLDER: the owner before it changed hands */
	__u32 owner_pid;
	__u32 origin_pid;
	__u8 oldstate;	  /* of the last transition */
	__u8 newstate;	  /* CLOSE, or TIME_WAIT for an active closer's orderly end */
	__u8 sk_err;	  /* at the last transition */
	__u8 close_flags; /* enum st_close_flags */
	__u8 owner_src;	  /* enum st_owner_src */
	__u8 origin_src;
	__u8 path_len;
	__u8 life_flags; /* enum st_life_flags */
	__u8 pad[4];
};

/* life_kernel (rodata): where life keeps each connection in the kernel */
enum st_life_mode {
	ST_LIFE_OFF = 0,	/* nowhere: every transition goes to userspace */
	ST_LIFE_SK_STORAGE = 1, /* socket storage (tp_btf, 5.11+) */
	ST_LIFE_HASH = 2,	/* a hash map by sock address (raw_tp, classic tracepoint) */
};

/* Load-time settings (rodata) and counters (bss) shared by name. */
struct st_counters {
	__u64 rb_full;	   /* bpf_ringbuf_reserve failed: events lost */
	__u64 map_full;	   /* a helper map update failed */
	__u64 rescued;	   /* state events the kernel skipped for state_btf, caught by its twin */
	__u64 ret_missed;  /* call returns no hook reported (call_args.bpf.h) */
	__u64 ret_rescued; /* kretprobe misses a syscall exit made good (hooks_kprobe.bpf.h) */
};

#ifdef __cplusplus
#define ST_STATIC_ASSERT static_assert
#else
#define ST_STATIC_ASSERT _Static_assert
#endif
ST_STATIC_ASSERT(sizeof(struct st_hdr) == 16, "st_hdr size");
ST_STATIC_ASSERT(sizeof(struct st_tuple) == 52, "st_tuple size");
ST_STATIC_ASSERT(sizeof(struct st_task) == 24, "st_task size");
ST_STATIC_ASSERT(sizeof(struct st_state_rec) == 144, "st_state_rec size");
ST_STATIC_ASSERT(sizeof(struct st_call_rec) == 136, "st_call_rec size");
ST_STATIC_ASSERT(sizeof(struct st_sock_rec) == 128, "st_sock_rec size");
ST_STATIC_ASSERT(sizeof(struct st_file_rec) == 72, "st_file_rec size");
ST_STATIC_ASSERT(sizeof(struct st_unix_rec) == 224, "st_unix_rec size");
ST_STATIC_ASSERT(sizeof(struct st_life_rec) == 200, "st_life_rec size");

#endif
