// SPDX-License-Identifier: MIT
/*
 * netbench.c: the generator and the sink of `make bench` (guests/lib/netbench.h).
 * Frame layout after the Ethernet header: "NB", kind, phase, the batch size,
 * a zero byte, a 32-bit little-endian number (DATA: its sequence number; ACK:
 * frames of the phase received so far), for DATA the phase's frame count,
 * then a fixed pattern up to the frame's size.
 */
#include "guests/lib/netbench.h"

#define OFF_MAGIC   14
#define OFF_KIND    16
#define OFF_PHASE   17
#define OFF_BATCH   18 /* DATA: the generator's batch (window): the sink acknowledges each */
#define OFF_NUM     20
#define OFF_TOTAL   24 /* DATA: frames in this phase */
#define HDR_LEN     28
#define BURST       32
#define HELLO_EVERY 10  /* ms between HELLOs (and DONEs) */
#define LINGER_MS   300 /* the sink keeps answering DONE this long */
#define WARMUP_SIZE NB_MIN_FRAME

enum nb_kind { NB_HELLO = 1, NB_HELLO_ACK, NB_DATA, NB_ACK, NB_DONE, NB_DONE_ACK };

static u8 tx_frame[NB_MAX_FRAME]; /* what we send, built once per phase */

struct nb_state {
	struct netdev *nd;
	const struct nb_config *cfg;
	struct nb_result *res;
	u8 peer[6];
	bool peer_known;
	/* generator */
	u8 want; /* the reply kind waited for (HELLO_ACK, DONE_ACK), or 0 */
	bool got;
	u8 phase; /* the phase being sent or received (0: warm-up) */
	u64 acked;
	/* sink */
	struct nb_phase *cur; /* the phase being received, NULL between phases */
	struct nb_phase
		*busy; /* the phase the last DATA frame went to: its burst's ticks go there */
	struct nb_phase *ended;  /* a phase whose last frame came: its end snapshot is due */
	struct nb_counters last; /* the latest snapshot: the next phase starts from it */
	struct nb_phase scratch;
	u64 expect;
	bool done;
};

static void put32(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
}

static u32 get32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static void snap(const struct nb_config *cfg, struct nb_counters *c)
{
	memset(c, 0, sizeof(*c));
	if (cfg->snapshot)
		cfg->snapshot(cfg->snap_ctx, c);
}

/* Headers and pattern of a DATA frame of len bytes (of a phase of total frames) into tx_frame. */
static void build(struct nb_state *s, u8 kind, u8 phase, u32 len, u32 total)
{
	memcpy(tx_frame, s->peer, 6);
	memcpy(tx_frame + 6, s->nd->mac, 6);
	tx_frame[12] = NB_ETHERTYPE >> 8;
	tx_frame[13] = NB_ETHERTYPE & 0xff;
	tx_frame[OFF_MAGIC] = 'N';
	tx_frame[OFF_MAGIC + 1] = 'B';
	tx_frame[OFF_KIND] = kind;
	tx_frame[OFF_PHASE] = phase;
	tx_frame[OFF_BATCH] = (u8)s->cfg->window;
	tx_frame[19] = 0;
	put32(tx_frame + OFF_NUM, 0);
	put32(tx_frame + OFF_TOTAL, total);
	for (u32 i = HDR_LEN; i < len; i++)
		tx_frame[i] = (u8)(i * 31 + phase);
}

/* A short control frame (HELLO, ACK, DONE, ...): its own buffer, tx_frame stays as it is. */
static int send_ctl(struct nb_state *s, u8 kind, u8 phase, u32 num)
{
	u8 f[NB_MIN_FRAME] = { 0 };

	memcpy(f, s->peer, 6);
	memcpy(f + 6, s->nd->mac, 6);
	f[12] = NB_ETHERTYPE >> 8;
	f[13] = NB_ETHERTYPE & 0xff;
	f[OFF_MAGIC] = 'N';
	f[OFF_MAGIC + 1] = 'B';
	f[OFF_KIND] = kind;
	f[OFF_PHASE] = phase;
	put32(f + OFF_NUM, num);
	return netdev_tx(s->nd, f, sizeof(f));
}

/* Ours? Returns the kind, or 0 for anything else (ARP, a stray frame). */
static u8 parse(const u8 *f, size_t len)
{
	if (len < HDR_LEN || f[12] != (NB_ETHERTYPE >> 8) || f[13] != (NB_ETHERTYPE & 0xff) ||
	    f[OFF_MAGIC] != 'N' || f[OFF_MAGIC + 1] != 'B')
		return 0;
	return f[OFF_KIND];
}

static bool timed_out(const struct nb_config *cfg, u64 since)
{
	return rdtsc() - since > cfg->timeout_ms * cfg->tsc_per_ms;
}

/* ---- generator ---- */

static void gen_rx(void *ctx, const u8 *f, size_t len)
{
	struct nb_state *s = ctx;
	u8 kind = parse(f, len);

	if (kind == NB_ACK && f[OFF_PHASE] == s->phase) {
		u32 n = get32(f + OFF_NUM);

		s->acked = n > s->acked ? n : s->acked;
		if (s->res->phases && s->phase)
			s->res->phase[s->phase - 1].acks++;
	} else if (kind && kind == s->want) {
		s->got = true;
	}
}

/* Send `kind` every HELLO_EVERY ms until the reply comes: 0 or -NB_ETIMEOUT. */
static int gen_handshake(struct nb_state *s, u8 kind, u8 reply)
{
	u64 start = rdtsc(), next = start;

	s->want = reply;
	s->got = false;
	while (!s->got) {
		if (rdtsc() >= next) {
			send_ctl(s, kind, 0, 0);
			next = rdtsc() + HELLO_EVERY * s->cfg->tsc_per_ms;
		}
		if (!netdev_rx_poll(s->nd, gen_rx, s, BURST))
			cpu_relax();
		if (timed_out(s->cfg, start))
			return -NB_ETIMEOUT;
	}
	s->want = 0;
	return 0;
}

/* Send DATA up to the window; returns how many went. */
static u32 gen_send(struct nb_state *s, u64 *sent, u32 count, u32 size)
{
	u32 n = 0;

	while (*sent < count && *sent - s->acked < s->cfg->window) {
		put32(tx_frame + OFF_NUM, (u32)*sent);
		if (netdev_tx(s->nd, tx_frame, size) < 0)
			break; /* the ring is full: poll, then try again */
		(*sent)++;
		n++;
	}
	return n;
}

/* One phase: count DATA frames of size bytes, paced by the sink's ACKs. */
static void gen_phase(struct nb_state *s, u8 id, u32 size, u32 count, struct nb_phase *ph)
{
	u64 sent = 0, progress;

	memset(ph, 0, sizeof(*ph));
	ph->size = size;
	s->phase = id;
	s->acked = 0;
	build(s, NB_DATA, id, size, count);
	snap(s->cfg, &ph->c0);
	ph->t_first = progress = rdtsc();
	while (s->acked < count) {
		u64 t = rdtsc();
		u32 did = gen_send(s, &sent, count, size);

		did += (u32)netdev_rx_poll(s->nd, gen_rx, s, BURST);
		if (did) {
			ph->busy += rdtsc() - t;
			progress = t;
		} else if (timed_out(s->cfg, progress)) {
			break;
		} else {
			cpu_relax();
		}
	}
	ph->t_last = rdtsc();
	snap(s->cfg, &ph->c1);
	ph->frames = sent;
	ph->lost = count - s->acked;
}

static bool config_ok(const struct nb_config *c)
{
	if (!c->phases || c->phases > NB_MAX_PHASES || !c->count || !c->window || c->window > 255 ||
	    !c->tsc_per_ms || !c->timeout_ms)
		return false;
	for (u32 i = 0; i < c->phases; i++)
		if (c->sizes[i] < NB_MIN_FRAME || c->sizes[i] > NB_MAX_FRAME)
			return false;
	return true;
}

int nb_gen(struct netdev *nd, const struct nb_config *cfg, struct nb_result *res)
{
	struct nb_state s = { .nd = nd, .cfg = cfg, .res = res };
	struct nb_phase warm;
	int r;

	memset(res, 0, sizeof(*res));
	if (!config_ok(cfg))
		return -NB_EINVAL;
	memcpy(s.peer, cfg->peer, 6);
	r = gen_handshake(&s, NB_HELLO, NB_HELLO_ACK);
	if (r)
		return r;
	res->t_hello = rdtsc();
	if (cfg->warmup)
		gen_phase(&s, 0, WARMUP_SIZE, cfg->warmup, &warm);
	for (u32 i = 0; i < cfg->phases; i++) {
		res->phases = i + 1;
		gen_phase(&s, (u8)(i + 1), cfg->sizes[i], cfg->count, &res->phase[i]);
		if (res->phase[i].lost)
			return -NB_ETIMEOUT;
	}
	return gen_handshake(&s, NB_DONE, NB_DONE_ACK);
}

/* ---- sink ---- */

/*
 * Snapshots are taken between bursts, never inside one: a phase starts from the
 * snapshot its predecessor ended with (or the one after HELLO), and ends with
 * one taken after the burst that brought its last frame.
 */
static void sink_snapshot(struct nb_state *s)
{
	snap(s->cfg, &s->last);
	if (s->ended)
		s->ended->c1 = s->last;
	s->ended = NULL;
}

static void sink_start_phase(struct nb_state *s, u8 id, size_t len)
{
	s->cur = NULL;
	if (id == 0)
		s->cur = &s->scratch; /* the warm-up: counted, never reported */
	else if (id <= NB_MAX_PHASES)
		s->cur = &s->res->phase[id - 1];
	if (!s->cur)
		return;
	if (id)
		s->res->phases = s->res->phases > id ? s->res->phases : id;
	memset(s->cur, 0, sizeof(*s->cur));
	s->cur->size = (u32)len;
	s->cur->c0 = s->last;
	s->phase = id;
	s->expect = 0;
	s->cur->t_first = rdtsc();
}

static void sink_data(struct nb_state *s, const u8 *f, size_t len)
{
	u32 seq = get32(f + OFF_NUM), total = get32(f + OFF_TOTAL);

	if (!s->cur || f[OFF_PHASE] != s->phase)
		sink_start_phase(s, f[OFF_PHASE], len);
	if (!s->cur)
		return;
	s->busy = s->cur;
	s->cur->t_last = rdtsc();
	s->cur->frames++;
	if (seq > s->expect)
		s->cur->lost += seq - s->expect;
	s->expect = seq + 1;
	/* A whole batch, or the phase's last frame: acknowledge (and end the phase). */
	if (seq + 1 == total || (f[OFF_BATCH] && s->cur->frames % f[OFF_BATCH] == 0)) {
		send_ctl(s, NB_ACK, s->phase, (u32)s->cur->frames);
		s->cur->acks++;
	}
	if (seq + 1 == total) {
		s->ended = s->cur;
		s->cur = NULL;
	}
}

static void sink_rx(void *ctx, const u8 *f, size_t len)
{
	struct nb_state *s = ctx;
	u8 kind = parse(f, len);

	if (kind == NB_DATA) {
		sink_data(s, f, len);
	} else if (kind == NB_HELLO || kind == NB_DONE) {
		memcpy(s->peer, f + 6, 6);
		if (!s->peer_known)
			s->res->t_hello = rdtsc();
		s->peer_known = true;
		if (kind == NB_DONE) {
			s->ended = s->cur;
			s->cur = NULL;
			s->done = true;
		}
		send_ctl(s, kind == NB_HELLO ? NB_HELLO_ACK : NB_DONE_ACK, 0, 0);
	}
}

int nb_sink(struct netdev *nd, const struct nb_config *cfg, struct nb_result *res)
{
	struct nb_state s = { .nd = nd, .cfg = cfg, .res = res };
	u64 last = rdtsc(), done_at = 0;

	memset(res, 0, sizeof(*res));
	if (!cfg->tsc_per_ms || !cfg->timeout_ms)
		return -NB_EINVAL;
	snap(cfg, &s.last);
	for (;;) {
		u64 t = rdtsc();
		int n = netdev_rx_poll(nd, sink_rx, &s, BURST);

		if (n) {
			if (s.busy)
				s.busy->busy += rdtsc() - t;
			s.busy = NULL;
			if (s.ended)
				sink_snapshot(&s);
			last = t;
		} else if (cfg->idle) {
			cfg->idle(cfg->snap_ctx);
		} else {
			cpu_relax();
		}
		if (s.done && !done_at)
			done_at = t;
		if (done_at && t - done_at > LINGER_MS * cfg->tsc_per_ms)
			return 0;
		if (!s.done && timed_out(cfg, last))
			return -NB_ETIMEOUT;
	}
}

void nb_format_phase(char *buf, size_t len, const char *role, u32 i, const struct nb_phase *p)
{
	u64 exits = p->c1.exits - p->c0.exits - p->c1.snapshot_exits;

	snprintf(buf, len,
		 "bench: result role=%s phase=%u size=%u frames=%llu lost=%llu t_first=%llu "
		 "t_last=%llu busy=%llu acks=%llu exits=%llu hv_ticks=%llu",
		 role, i + 1, p->size, p->frames, p->lost, p->t_first, p->t_last, p->busy, p->acks,
		 exits, p->c1.hv_ticks - p->c0.hv_ticks);
}

void nb_format_counters(char *buf, size_t len, const char *role, u32 i, const struct nb_phase *p)
{
	int n = snprintf(buf, len,
			 "bench: counters role=%s phase=%u irqs=%llu injected=%llu msi=%llu "
			 "timer=%llu",
			 role, i + 1, p->c1.irqs - p->c0.irqs,
			 p->c1.irq_injected - p->c0.irq_injected, p->c1.irq_msi - p->c0.irq_msi,
			 p->c1.irq_timer - p->c0.irq_timer);

	for (u32 r = 0; r < HV_EXIT_REASONS && n > 0 && (size_t)n < len; r++) {
		u64 d = p->c1.exit_reasons[r] - p->c0.exit_reasons[r];

		if (r == HV_EXIT_HYPERCALL)
			d -= p->c1.snapshot_exits;
		if (d)
			n += snprintf(buf + n, len - (size_t)n, " exit%u=%llu", r, d);
	}
}
