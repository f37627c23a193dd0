// SPDX-License-Identifier: MIT
/* printk.c: the log path from a format string to every console sink. */
#include "kernel/printk.h"
#include "kernel/format.h"
#include "kernel/io.h"
#include "kernel/spinlock.h"

static struct console *consoles;
static enum log_level log_level = LOG_INFO;
static spinlock_t log_lock = SPINLOCK_INIT;
static volatile bool console_busted;

void console_bust_lock(void)
{
	console_busted = true;
}

void console_register(struct console *con)
{
	con->next = consoles;
	consoles = con;
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

int vprintk(enum log_level level, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;
	int len;
	u64 flags;

	if (level > log_level)
		return 0;
	len = vsnformat(buf, sizeof(buf), fmt, ap);
	n = (size_t)len < sizeof(buf) ? (size_t)len : sizeof(buf) - 1;
	flags = irq_save();
	if (console_busted) { /* panic: the lock may be held by a stopped CPU, or by us */
		for (struct console *c = consoles; c; c = c->next)
			c->write(buf, n);
		irq_restore(flags);
		return len;
	}
	spin_lock(&log_lock);
	for (struct console *c = consoles; c; c = c->next)
		c->write(buf, n);
	spin_unlock(&log_lock);
	irq_restore(flags);
	return len;
}

int printk(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(level, fmt, ap);
	va_end(ap);
	return n;
}

void print_hex(const char *prefix, const void *buf, size_t len)
{
	const u8 *p = buf;

	for (size_t off = 0; off < len; off += 16) {
		char line[16 * 3 + 1];
		size_t n = MIN(16, len - off);

		for (size_t i = 0; i < n; i++)
			snformat(line + i * 3, 4, "%02x ", p[off + i]);
		line[n * 3 - 1] = '\0'; /* n >= 1: drop the last space */
		printk(LOG_ERR, "%s %06zx: %s\n", prefix, off, line);
	}
}
