// SPDX-License-Identifier: MIT
/* selftest.c: runs the registered self-tests and prints KTAP (Documentation/dev-tools/ktap.rst). */
#define LOG_TAG "selftest"
#include "kernel/selftest.h"
#include "kernel/printk.h"
#include "kernel/string.h"

extern const struct selftest __selftests_start[], __selftests_end[];

/* Is `name` in the comma-separated list (or is the list "all")? */
static bool selftest_wanted(const char *list, const char *name)
{
	size_t n = strlen(name);

	if (!strcmp(list, "all"))
		return true;
	while (*list) {
		const char *end = strchr(list, ',');
		size_t len = end ? (size_t)(end - list) : strlen(list);

		if (len == n && !strncmp(list, name, n))
			return true;
		list += len + (end ? 1 : 0);
	}
	return false;
}

int selftest_run(const char *which)
{
	const struct selftest *t;
	int planned = 0, num = 0, failed = 0;

	for (t = __selftests_start; t < __selftests_end; t++)
		planned += selftest_wanted(which, t->name);
	printk(LOG_ERR, "KTAP version 1\n1..%d\n", planned);
	for (t = __selftests_start; t < __selftests_end; t++) {
		char msg[160] = "";
		int r;

		if (!selftest_wanted(which, t->name))
			continue;
		r = t->fn(msg, sizeof(msg));
		num++;
		if (r == SELFTEST_SKIP) {
			printk(LOG_ERR, "ok %d %s # SKIP %s\n", num, t->name, msg);
		} else if (r == SELFTEST_PASS) {
			printk(LOG_ERR, "ok %d %s\n", num, t->name);
		} else {
			printk(LOG_ERR, "# %s: %s\nnot ok %d %s\n", t->name, msg, num, t->name);
			failed++;
		}
	}
	if (planned == 0)
		pr_warn("no self-test matches '%s'\n", which);
	printk(LOG_ERR, "# selftest: %d passed, %d failed\n", num - failed, failed);
	return failed;
}
