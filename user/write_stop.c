// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "write_stop.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#define DRAIN_SECONDS 1

static const volatile sig_atomic_t *stop_flag;
static volatile sig_atomic_t writing, armed, expired;

static void on_alarm(int sig)
{
	(void)sig;
	expired = 1;
}

void write_stop_init(const volatile sig_atomic_t *stop)
{
	/* no SA_RESTART: the alarm must interrupt a blocked write() */
	struct sigaction sa = {.sa_handler = on_alarm};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	stop_flag = stop;
}

/*
 * A signal during write() makes it return early, but one that lands between
 * the loop's check and the write() does not: the alarm covers that window.
 */
void write_stop_poke(void)
{
	if (writing && !armed) {
		armed = 1;
		alarm(DRAIN_SECONDS);
	}
}

size_t write_stoppable(int fd, const char *buf, size_t len, int *err)
{
	size_t done = 0;

	*err = 0;
	expired = 0;
	writing = 1;
	while (done < len) {
		ssize_t n;

		/* stopping: what follows may take the drain time, no more */
		if (stop_flag && *stop_flag) {
			if (expired) {
				*err = ECANCELED;
				break;
			}
			write_stop_poke();
		}
		n = write(fd, buf + done, len - done);
		if ((n < 0 && errno != EINTR) || n == 0) {
			*err = n ? errno : EIO;
			break;
		}
		/* EINTR or a short write: a signal came, the loop looks again */
		if (n > 0)
			done += (size_t)n;
	}
	writing = 0;
	if (armed) {
		alarm(0);
		armed = 0;
	}
	return done;
}

int write_peer_gone(int fd)
{
	struct pollfd pf = {.fd = fd};

	return poll(&pf, 1, 0) == 1 && (pf.revents & (POLLERR | POLLHUP));
}
