/* SPDX-License-Identifier: MIT */
/*
 * attack.h: the hostile guest's pieces. attack.c holds the modes that end the
 * partition (or should); net.c is mode=net, a partition with its own VF that
 * answers ping and takes one attack per UDP datagram on port 7001 (the test
 * drives it), each answered with one line; vf.c has the attacks through the
 * VF (DMA, MSI-X, config space, mailbox, resets), cpu.c those through the CPU
 * (MSRs, CPUID, x2APIC, hypercalls, the 0xcf8 host port). A line with FAILED
 * in a reply or on the console is a hole in the hypervisor.
 */
#ifndef GUESTS_ATTACK_ATTACK_H
#define GUESTS_ATTACK_ATTACK_H

#include "guests/lib/guest.h"
#include "guests/lib/igbvf.h"
#include "guests/lib/net.h"

#define REPLY_MAX 1200 /* one UDP reply */

/* The partition's VF and network interface (mode=net). */
extern struct igbvf att_vf;
extern struct net_if att_nif;

/* A reply under construction: appended to with reply_add(). */
struct reply {
	char text[REPLY_MAX];
	size_t len;
};

void reply_add(struct reply *r, const char *fmt, ...) __printf(2, 3);

/* One command: its words after the name in arg (may be modified), its answer in r. */
typedef void (*attack_cmd_fn)(char *arg, struct reply *r);

struct attack_cmd {
	const char *name;
	attack_cmd_fn fn;
};

/* The next word of *s (NUL-terminated in place), "" when there is none. */
char *next_word(char **s);
/* The next word as a number; def when absent or not a number. */
u64 next_num(char **s, u64 def);

/* Commands, by where they attack (vf.c, cpu.c). */
extern const struct attack_cmd vf_cmds[];
extern const struct attack_cmd cpu_cmds[];

/* mode=net: bring the VF up, then serve ping, UDP echo and commands forever. */
int attack_net(void);

/* (Re)start the VF: reset, RESET handshake, rings; retried until the PF answers. */
void attack_vf_up(void);

/* Poll the VF's receive ring for ms milliseconds (keeps answering pings during long attacks). */
void net_poll_for(u64 ms);

#endif
