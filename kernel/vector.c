// SPDX-License-Identifier: MIT
/* vector.c: allocation of the dynamic interrupt vectors (0x30-0xef). */
#define LOG_TAG "vector"
#include "kernel/vector.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"

#define VEC_DYN_COUNT (VEC_DYN_LAST - VEC_DYN_FIRST + 1)

static u64 vec_used[4]; /* bit v set: vector v is allocated */
static unsigned int vec_nr_used;
static spinlock_t vec_lock = SPINLOCK_INIT;

static bool vector_test(int v)
{
	return vec_used[v / 64] & BIT(v % 64);
}

static void vector_mark(int v, bool used)
{
	if (used) {
		vec_used[v / 64] |= BIT(v % 64);
		vec_nr_used++;
	} else {
		vec_used[v / 64] &= ~BIT(v % 64);
		vec_nr_used--;
	}
}

int vector_alloc(irq_handler_t fn)
{
	int v, r = -ENOSPC;

	if (!fn)
		return -EINVAL;
	spin_lock(&vec_lock);
	for (v = VEC_DYN_FIRST; v <= VEC_DYN_LAST; v++) {
		if (vector_test(v))
			continue;
		if (idt_set_handler((u8)v, fn) == 0) {
			vector_mark(v, true);
			r = v;
			break;
		}
		/* A handler installed by hand in the dynamic range (a bug): never steal it. */
		pr_warn("vector 0x%x has a handler nobody allocated; skipped\n", v);
	}
	spin_unlock(&vec_lock);
	if (r < 0)
		pr_err("no free interrupt vector (%u in use)\n", vec_nr_used);
	return r;
}

int vector_free(int vector)
{
	int r = -EINVAL;

	spin_lock(&vec_lock);
	if (vector >= VEC_DYN_FIRST && vector <= VEC_DYN_LAST && vector_test(vector)) {
		idt_set_handler((u8)vector, NULL);
		vector_mark(vector, false);
		r = 0;
	}
	spin_unlock(&vec_lock);
	if (r)
		pr_err("vector_free(0x%x): not an allocated vector\n", vector);
	return r;
}

unsigned int vector_free_count(void)
{
	return VEC_DYN_COUNT - vec_nr_used;
}
