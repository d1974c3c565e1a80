# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make soak: 200,000 connections through socktrace watch (docs/hardening.md).
.PHONY: soak
soak: $(OUT)/socktrace $(OUT)/tools/connstorm
	$(Q)sh tools/soak.sh $(OUT)/socktrace $(OUT)/tools/connstorm
