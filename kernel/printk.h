/* SPDX-License-Identifier: MIT */
/* printk.h: leveled, tagged logging to every registered console sink. */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdarg.h>
#include "kernel/types.h"

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* A console sink: receives every message that passes the level filter. */
struct console {
	const char *name;
	void (*write)(const char *s, size_t n);
	struct console *next;
};

void console_register(struct console *con);
void log_set_level(enum log_level level);

/*
 * From now on print without the console lock: called once by the panicking
 * CPU, since the lock may be held by a CPU the panic stops, or by itself.
 */
void console_bust_lock(void);

/* Print one message at a level; returns the number of characters formatted. */
int printk(enum log_level level, const char *fmt, ...) __printf(2, 3);
int vprintk(enum log_level level, const char *fmt, va_list ap);

/*
 * Each .c file names its unit before including this header:
 *   #define LOG_TAG "vtd"
 * so that pr_err("...") prints "vtd: error: ...".
 */
#ifndef LOG_TAG
#define LOG_TAG "hv"
#endif


#define pr_err(fmt, ...)   printk(LOG_ERR, LOG_TAG ": error: " fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)  printk(LOG_WARN, LOG_TAG ": warning: " fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)  printk(LOG_INFO, LOG_TAG ": " fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) printk(LOG_DEBUG, LOG_TAG ": " fmt, ##__VA_ARGS__)

/*
 * Rate limit for messages a guest or device can trigger: in every window of
 * RATELIMIT_WINDOW_NS, at most `burst` messages, then one in every `every`.
 * The window starts again once it is over, so a partition that once caused a
 * burst of lines (cheap to do) does not silence what comes later, its own or
 * anyone's. Until the TSC is calibrated the window never ends.
 */
struct ratelimit {
	u32 burst;
	u32 every;
	u32 seen;   /* events in this window */
	u32 missed; /* suppressed since the last message let through */
	u64 window; /* clock_ns() at the start of this window */
};

#define RATELIMIT_WINDOW_NS 1000000000ULL
#define RATELIMIT_INIT(b, e) { .burst = (b), .every = (e), .seen = 0 }

/* Returns the number of messages suppressed since the last one printed + 1, or 0 to suppress. */
u32 ratelimit_check(struct ratelimit *rl);



/* Dump bytes as "<prefix> <offset>: <16 hex bytes>" lines (fixture capture, debugging). */
void print_hex(const char *prefix, const void *buf, size_t len);

#endif
