/* SPDX-License-Identifier: MIT */
/* doubles.h: what the host test doubles offer the unit tests. */
#ifndef TESTS_UNIT_DOUBLES_H
#define TESTS_UNIT_DOUBLES_H

#include "kernel/pagetable.h"
#include "kernel/types.h"

/* Everything printk'd since the last clear. */
const char *test_log(void);
void test_log_clear(void);
bool test_log_has(const char *needle);

/* Page-table memory backed by host pages; "physical" addresses are pointers. */
extern const struct pt_mem host_pt_mem;
long host_pages_live(void);

/* Read a whole file (a fixture); returns malloc'd bytes and sets *len, or fails the test. */
unsigned char *test_read_file(const char *path, size_t *len);

#endif
