/* SPDX-License-Identifier: MIT */
/* spinlock.h: ticket spinlocks (FIFO fair, so no CPU starves on a contended lock). */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include "kernel/types.h"

typedef struct {
	volatile u16 next;  /* ticket handed to the next arrival */
	volatile u16 owner; /* ticket now being served */
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock(spinlock_t *l)
{
	u16 me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		__asm__ __volatile__("pause" ::: "memory");
}

static inline bool spin_trylock(spinlock_t *l)
{
	u16 owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	u16 expect = owner;

	return __atomic_compare_exchange_n(&l->next, &expect, (u16)(owner + 1), false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->owner, (u16)(l->owner + 1), __ATOMIC_RELEASE);
}

#endif
