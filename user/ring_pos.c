// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "ring_pos.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

int ring_pos_map(struct ring_pos *rp, int map_fd)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *cons, *prod;
	int err;

	rp->cons = NULL;
	rp->prod = NULL;
	if (map_fd < 0)
		return -EBADF;
	cons = mmap(NULL, page, PROT_READ, MAP_SHARED, map_fd, 0);
	if (cons == MAP_FAILED)
		return -errno;
	prod = mmap(NULL, page, PROT_READ, MAP_SHARED, map_fd, (off_t)page);
	if (prod == MAP_FAILED) {
		err = -errno;
		munmap(cons, page);
		return err;
	}
	rp->cons = cons;
	rp->prod = prod;
	return 0;
}

void ring_pos_unmap(struct ring_pos *rp)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (rp->cons)
		munmap((void *)rp->cons, page);
	if (rp->prod)
		munmap((void *)rp->prod, page);
	rp->cons = NULL;
	rp->prod = NULL;
}
