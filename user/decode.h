/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Validation of raw records from the ring buffer and the iterators. */
#ifndef SOCKTRACE_DECODE_H
#define SOCKTRACE_DECODE_H

#include <stddef.h>
#include <linux/types.h>
#include "socktrace_abi.h"

/* Why a record was refused; counted, never silently ignored. */
enum decode_err {
	DECODE_OK = 0,
	DECODE_SHORT, /* fewer bytes than a header, or than its type needs */
	DECODE_SIZE,  /* header size disagrees with the bytes given */
	DECODE_TYPE,  /* unknown type tag */
	DECODE_RANGE, /* an enum field out of range (state, family) */
	DECODE_ERR_MAX,
};

/*
 * Check one record of len bytes. On DECODE_OK, *type is the record's tag and
 * the data may be read as that record type. Strings (comm) are not required
 * to be terminated: the views bound every read by ST_COMM_LEN.
 */
enum decode_err decode_record(const void *data, size_t len, __u32 *type);
const char *decode_err_name(enum decode_err err);

#endif
