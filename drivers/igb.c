// SPDX-License-Identifier: MIT
/*
 * igb.c: the 82576 PF (82576 GbE Controller Datasheet; QEMU's igb model):
 * bring-up, the PF's own queue pair, and the mailbox server for the VFs that
 * partitions drive directly.
 *
 * The mailbox is served from the PF's MSI-X vector 0 on CPU 0 (the
 * hypervisor's CPU), not from a periodic poll: VF messages are rare (a few
 * per VF reset, one link check every 2 s), so an interrupt costs nothing
 * while idle and answers within the interrupt throttle, where a poll would
 * burn CPU 0 all the time to answer as fast. A storm is bounded twice: the
 * vector's EITR throttle caps the interrupt rate at IGB_ITR_US apart however
 * fast VFs write, and each VF has its own message budget (igb_mbx_admit), so
 * a flooding VF is ignored for a while and the others are served as before.
 *
 * QEMU 10.0's model, checked against its -trace and registers (tests/qemu/test_igb.py):
 * the link comes up only through PHY autonegotiation (CTRL.SLU alone: never);
 * VFs see RSTI until CTRL_EXT.PFRSTD; VFRE/VFTE gate the PF's pool too, and a
 * receive address without pool bits steers nowhere (both: the PF's own frame
 * never comes back); without RCTL.SECRC frames arrive 4 bytes longer; with 8
 * VFs queue 7 is VF7's and the PF gets nothing; DTXSWC anti-spoofing is stored
 * but not enforced (a VF's spoofed frames reach the wire, WVBR stays 0).
 */
#define LOG_TAG "igb"
#include "drivers/igb.h"
#include "drivers/igb_fp.h"
#include "drivers/igb_hw.h"
#include "drivers/igb_mbx.h"
#include "drivers/igb_regs.h"
#include "iommu/iommu.h"
#include "kernel/config.h"
#include "kernel/cpu.h"
#include "kernel/io.h"
#include "kernel/mm.h"
#include "kernel/format.h"
#include "kernel/printk.h"
#include "kernel/selftest.h"
#include "kernel/spinlock.h"
#include "kernel/string.h"
#include "kernel/timer.h"
#include "kernel/vector.h"
#include "pci/pci.h"
#include "pci/sriov.h"

#define IGB_ITR_US     200 /* at most one mailbox interrupt every 200 us */
#define IGB_MBX_TRIES  3   /* PFU attempts: a VF does not hold VFU once it posted */
#define IGB_RESET_US   10000
#define IGB_MDIC_TRIES 1000

static struct {
	struct pci_dev *pci;
	struct igb_hw hw;
	volatile u8 *msix; /* the MSI-X table */
	bool up;
	spinlock_t lock; /* the PF's registers and VF state: IRQ handler and boot CPU */
	struct igb_vf vfs[IGB_POOLS];
	u8 pf_macs[IGB_PF_MACS][6]; /* more MACs the PF's pool receives (igb_pf_mac_add) */
	bool pf_mac_used[IGB_PF_MACS];
	void *dma; /* the PF queue pair's rings and buffers (igb_fp.h) */
	paddr_t dma_pa;
	int vector;
	struct igb_stats stats;
} igb;

static struct ratelimit igb_rl = RATELIMIT_INIT(20, 100);

struct pci_dev *igb_find(void)
{
	struct pci_dev *d = NULL;

	while ((d = pci_find_by_id(IGB_VENDOR, IGB_DEV_82576, d)))
		if (!d->is_vf && d->ecap_sriov)
			return d;
	return NULL;
}

/* ---- bring-up ---------------------------------------------------------------- */

/* VFs: what sriov= enabled, else as many as the partitions ask for but 7 at most (igb_hw.h). */
static int igb_enable_vfs(struct pci_dev *pf, u16 want)
{
	if (sriov_requested(hv_config.sriov, hv_config.sriov_count, pf)) {
		if (pf->sriov.num_vfs > IGB_PF_POOL)
			pr_warn(PCI_FMT ": sriov= enabled VF%u: the PF has no queue of its own\n",
				PCI_ARG(pf), IGB_PF_POOL);
		return 0;
	}
	if (want > IGB_VFS_DEFAULT_MAX) {
		pr_warn(PCI_FMT ": %u VFs asked for: %u at most, so that the PF keeps pool %u\n",
			PCI_ARG(pf), want, IGB_VFS_DEFAULT_MAX, IGB_PF_POOL);
		want = IGB_VFS_DEFAULT_MAX;
	}
	return want == pf->sriov.num_vfs ? 0 : sriov_enable(pf, want);
}

/* CTRL.RST (8.2.1): everything but PCI config space; VFs see RSTI until PFRSTD. */
static int igb_reset(const struct igb_hw *hw)
{
	u64 start = clock_ns();

	igb_wr(hw, IGB_IMC, ~0u);
	igb_wr(hw, IGB_EIMC, ~0u);
	igb_wr(hw, IGB_CTRL, igb_rd(hw, IGB_CTRL) | IGB_CTRL_RST);
	udelay(1000);
	while (igb_rd(hw, IGB_CTRL) & IGB_CTRL_RST) {
		if (clock_ns() - start > IGB_RESET_US * 1000ULL)
			return -ETIMEDOUT;
		udelay(100);
	}
	igb_wr(hw, IGB_IMC, ~0u);
	igb_wr(hw, IGB_EIMC, ~0u);
	(void)igb_rd(hw, IGB_ICR);
	return 0;
}

/* Write a PHY register through MDIC (8.2.4); 0, or -EIO when the PHY does not answer. */
static int igb_phy_write(const struct igb_hw *hw, u32 reg, u16 val)
{
	igb_wr(hw, IGB_MDIC,
	       val | reg << IGB_MDIC_REG_SHIFT | IGB_PHY_ADDR << IGB_MDIC_PHY_SHIFT |
		       IGB_MDIC_OP_WRITE);
	for (int i = 0; i < IGB_MDIC_TRIES; i++) {
		u32 v = igb_rd(hw, IGB_MDIC);

		if (v & IGB_MDIC_READY)
			return (v & IGB_MDIC_ERROR) ? -EIO : 0;
		udelay(10);
	}
	return -EIO;
}

/*
 * Link: restart PHY autonegotiation. CTRL.SLU alone does not bring the link
 * up in QEMU (STATUS.LU follows the PHY's autonegotiation, 500 ms later);
 * the link-change interrupt reports it.
 */
static int igb_link_start(const struct igb_hw *hw)
{
	igb_wr(hw, IGB_CTRL, igb_rd(hw, IGB_CTRL) | IGB_CTRL_SLU);
	return igb_phy_write(hw, IGB_PHY_BMCR,
			     IGB_BMCR_ANENABLE | IGB_BMCR_ANRESTART | IGB_BMCR_FD |
				     IGB_BMCR_SPEED1000);
}

static void igb_read_mac(struct igb_hw *hw)
{
	u32 lo = igb_rd(hw, IGB_RAL(0)), hi = igb_rd(hw, IGB_RAH(0));

	for (int i = 0; i < 4; i++)
		hw->pf_mac[i] = (u8)(lo >> (8 * i));
	hw->pf_mac[4] = (u8)hi;
	hw->pf_mac[5] = (u8)(hi >> 8);
}

/* The PF's rings and buffers: hypervisor memory, mapped 1:1 in the hypervisor's IOMMU domain. */
static int igb_dma_alloc(void)
{
	u64 size = ALIGN_UP(IGB_FP_DMA_SIZE, PAGE_SIZE);
	struct iommu_domain *dom = iommu_hv_domain();

	igb.dma_pa = phys_alloc(size, PAGE_SIZE);
	if (!igb.dma_pa)
		return -ENOMEM;
	igb.dma = phys_to_virt(igb.dma_pa);
	memset(igb.dma, 0, size);
	if (!dom)
		return 0; /* no IOMMU: the PF's DMA is untranslated */
	if (dom_map(dom, igb.dma_pa, igb.dma_pa, size, IOMMU_RW) || iommu_attach(dom, igb.pci))
		return -EIO;
	return 0;
}

/* Queue 0 comes out of reset enabled; with VFs it is VF0's, so it starts off. */
static void igb_queues_init(const struct igb_hw *hw)
{
	igb_wr(hw, IGB_RXDCTL(0), 0);
	igb_wr(hw, IGB_TXDCTL(0), 0);
	/* The PF's pair is queue IGB_PF_POOL, its pool's (queue n belongs to pool n, 7.10.2). */
	if (igb_pf_has_pool(hw))
		igb_fp_setup(hw, igb.dma, igb.dma_pa);
}

/* Receive and transmit on: CRC stripped (else QEMU appends 4 zero bytes), jumbo up to the max. */
static void igb_rxtx_enable(const struct igb_hw *hw)
{
	igb_wr(hw, IGB_RLPML, IGB_FRAME_MAX);
	igb_wr(hw, IGB_RCTL, IGB_RCTL_EN | IGB_RCTL_BAM | IGB_RCTL_SECRC | IGB_RCTL_LPE);
	igb_wr(hw, IGB_TCTL, IGB_TCTL_EN | IGB_TCTL_PSP | IGB_TCTL_CT(0xf) | IGB_TCTL_COLD(0x3f));
}

/* ---- the mailbox server ------------------------------------------------------ */

/* Take the VF's buffer (PFU, 7.8.2.2); a VF that holds VFU past its REQ loses the message. */
static bool igb_mbx_lock(const struct igb_hw *hw, u16 vf)
{
	for (int i = 0; i < IGB_MBX_TRIES; i++) {
		igb_wr(hw, IGB_P2VMAILBOX(vf), IGB_P2VMB_PFU);
		if (igb_rd(hw, IGB_P2VMAILBOX(vf)) & IGB_P2VMB_PFU)
			return true;
	}
	return false;
}

/* Post a message (the lock held): clear the VF's pending bits, fill the buffer, STS releases it. */
static void igb_mbx_post(const struct igb_hw *hw, u16 vf, const u32 *w, u32 n)
{
	igb_wr(hw, IGB_MBVFICR, IGB_MBVFICR_REQ(vf) | IGB_MBVFICR_ACK(vf));
	for (u32 i = 0; i < n && i < IGB_MBX_MSG_WORDS; i++)
		igb_wr(hw, IGB_VMBMEM(vf) + 4 * i, w[i]);
	igb_wr(hw, IGB_P2VMAILBOX(vf), IGB_P2VMB_STS);
}

/* Carry out what a message asked of the hardware (igb_mbx.h IGB_WORK_*). */
static void igb_apply(struct igb_vf *vf, u32 work)
{
	const struct igb_hw *hw = &igb.hw;

	if (work & IGB_WORK_DISABLE)
		igb_pool_enable(hw, (u8)vf->index, false);
	if (work & IGB_WORK_RESET)
		igb_pool_setup(hw, vf);
	else if (work & IGB_WORK_VMOLR)
		igb_pool_vmolr(hw, vf);
	if (work & IGB_WORK_MTA)
		igb_mta_update(hw, igb.vfs, hw->num_vfs);
	if (work & IGB_WORK_RESET)
		igb_pool_enable(hw, (u8)vf->index, true);
}

static void igb_serve_req(struct igb_vf *vf, u64 now)
{
	const struct igb_hw *hw = &igb.hw;
	u32 msg[IGB_MBX_MSG_WORDS];
	struct igb_mbx_result r;

	igb_wr(hw, IGB_MBVFICR, IGB_MBVFICR_REQ(vf->index));
	if (!igb_mbx_admit(vf, now)) {
		igb.stats.dropped++;
		return;
	}
	if (!igb_mbx_lock(hw, vf->index)) {
		vf->dropped++;
		igb.stats.dropped++;
		return;
	}
	/* One copy in hypervisor memory: the VF can rewrite its buffer at any time. */
	for (u32 i = 0; i < IGB_MBX_MSG_WORDS; i++)
		msg[i] = igb_rd(hw, IGB_VMBMEM(vf->index) + 4 * i);
	igb_wr(hw, IGB_P2VMAILBOX(vf->index), IGB_P2VMB_ACK | IGB_P2VMB_PFU);
	igb_mbx_msg(vf, msg, IGB_MBX_MSG_WORDS, now, &r);
	igb_apply(vf, r.work);
	igb.stats.msgs++;
	igb.stats.nacks += !!(r.reply[0] & IGB_MSG_NACK);
	if (r.len)
		igb_mbx_post(hw, vf->index, r.reply, r.len);
	else
		igb_wr(hw, IGB_P2VMAILBOX(vf->index), 0);
}

static void igb_serve_ack(struct igb_vf *vf, u64 now)
{
	const struct igb_hw *hw = &igb.hw;
	struct igb_mbx_result r;

	igb_wr(hw, IGB_MBVFICR, IGB_MBVFICR_ACK(vf->index));
	igb_mbx_ack(vf, now, &r);
	if (r.len && igb_mbx_lock(hw, vf->index))
		igb_mbx_post(hw, vf->index, r.reply, r.len);
}

/* VFLRE (7.8.2.3): a VF was reset (FLR or its own CTRL.RST); only that VF's state goes. */
static void igb_serve_flr(u32 flr)
{
	for (u16 i = 0; i < igb.hw.num_vfs; i++) {
		struct igb_vf *vf = &igb.vfs[i];
		struct igb_mbx_result r;

		if (!(flr & BIT(i)))
			continue;
		igb_mbx_vf_reset(vf, &r);
		igb_apply(vf, r.work);
		igb.stats.flrs++;
		if (ratelimit_check(&igb_rl))
			pr_info("VF%u (%s): reset; its pool is closed until it sends RESET\n", i,
				vf->owner ? vf->owner : "unassigned");
	}
}

/*
 * Messages are read before resets: a VF writes CTRL.RST (VFLRE) before it
 * posts RESET, so VFLRE read after MBVFICR shows every reset that came
 * before a message seen there, and a reset is never served after the RESET
 * that followed it (that would close the pool the RESET just opened).
 */
static void igb_serve_vfs(u64 now)
{
	const struct igb_hw *hw = &igb.hw;
	u32 icr = igb_rd(hw, IGB_MBVFICR), flr = igb_rd(hw, IGB_VFLRE);

	if (flr) {
		igb_wr(hw, IGB_VFLRE, flr);
		igb_serve_flr(flr);
	}
	for (u16 i = 0; i < hw->num_vfs; i++) {
		if (icr & IGB_MBVFICR_REQ(i))
			igb_serve_req(&igb.vfs[i], now);
		if (icr & IGB_MBVFICR_ACK(i))
			igb_serve_ack(&igb.vfs[i], now);
	}
	/* Bits of VFs that are not enabled cannot be served: clear them. */
	if (hw->num_vfs)
		icr &= ~(u32)(GENMASK(hw->num_vfs - 1, 0) | GENMASK(hw->num_vfs + 15, 16));
	if (icr)
		igb_wr(hw, IGB_MBVFICR, icr);
}

/* MSI-X vector 0 of the PF, on CPU 0: mailbox, VF resets, link changes (not the PF's queue). */
static void igb_irq(struct irq_frame *f)
{
	const struct igb_hw *hw = &igb.hw;
	u32 icr;

	(void)f;
	spin_lock(&igb.lock);
	igb.stats.irqs++;
	icr = igb_rd(hw, IGB_ICR); /* GPIE.NSICR: reading clears every cause */
	if ((icr & IGB_ICR_LSC) && ratelimit_check(&igb_rl))
		pr_info(PCI_FMT ": link %s\n", PCI_ARG(igb.pci),
			(igb_rd(hw, IGB_STATUS) & IGB_STATUS_LU) ? "up" : "down");
	igb_serve_vfs(clock_ns());
	spin_unlock(&igb.lock);
}

/* ---- interrupts -------------------------------------------------------------- */

/* MSI-X table entry (PCIe Base 4.0 7.7.2): address, data, vector control (bit 0 masked). */
static void igb_msix_entry(u32 i, const struct msi_msg *m)
{
	volatile u8 *e = igb.msix + i * PCI_MSIX_ENTRY_SIZE;

	mmio_write32(e + 12, 1);
	mmio_write32(e + 0, (u32)m->addr);
	mmio_write32(e + 4, (u32)(m->addr >> 32));
	mmio_write32(e + 8, m->data);
	mmio_write32(e + 12, 0);
}

/* An MSI to CPU 0: through an interrupt-remapping entry when there is remapping. */
static int igb_msi_msg(u8 vector, struct msi_msg *m)
{
	u32 dest = cpus[0].apic_id;

	if (iommu_intr_remapped()) {
		int h = ir_alloc(igb.pci, dest, vector, m);

		return h < 0 ? h : 0;
	}
	if (dest > 0xff)
		return -ERANGE;
	m->addr = 0xfee00000ULL | (u64)dest << 12; /* compatibility format (SDM Vol. 3A 10.11) */
	m->data = vector;
	return 0;
}

static int igb_irq_init(const struct igb_hw *hw)
{
	const struct pci_dev *d = igb.pci;
	struct msi_msg m;
	int r;

	if (!d->cap_msix || !d->msix.valid || !d->bar[d->msix.table_bir].size)
		return -ENODEV;
	igb.msix = ioremap(d->bar[d->msix.table_bir].addr + d->msix.table_off, PAGE_SIZE);
	igb.vector = vector_alloc(igb_irq);
	if (!igb.msix || igb.vector < 0)
		return -ENOMEM;
	r = igb_msi_msg((u8)igb.vector, &m);
	if (r)
		return r;
	igb_msix_entry(0, &m);
	pci_cfg_write16(d, d->cap_msix + PCI_MSIX_FLAGS, BIT(15)); /* MSI-X Enable, unmasked */
	/* Interrupts must be in MSI-X mode before VFs touch theirs (QEMU masks VF bits otherwise). */
	igb_wr(hw, IGB_GPIE, IGB_GPIE_MSIX_MODE | IGB_GPIE_NSICR | IGB_GPIE_PBA);
	/* Vector 0 (the entry's low bits are 0) for the other causes; the PF's queue is polled. */
	igb_wr(hw, IGB_IVAR_MISC, IGB_IVAR_VALID << IGB_IVAR_OTHER_SHIFT);
	igb_wr(hw, IGB_EITR(0), (IGB_ITR_US << 2) & IGB_EITR_INTERVAL);
	igb_wr(hw, IGB_EIAC, BIT(0));
	igb_wr(hw, IGB_EIMS, BIT(0));
	igb_wr(hw, IGB_IMS, IGB_ICR_VMMB | IGB_ICR_LSC);
	return 0;
}

/* ---- start-up ------------------------------------------------------------------ */

static int igb_map(struct pci_dev *pf)
{
	if (pf->bar[0].type != PCI_BAR_MEM32 && pf->bar[0].type != PCI_BAR_MEM64)
		return -ENODEV;
	if (pf->bar[0].size < IGB_BAR0_SIZE)
		return -ENODEV;
	igb.hw.regs = ioremap(pf->bar[0].addr, IGB_BAR0_SIZE);
	if (!igb.hw.regs)
		return -ENOMEM;
	pci_cfg_write16(pf, PCI_COMMAND,
			pci_cfg_read16(pf, PCI_COMMAND) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	return 0;
}

static int igb_bringup(struct pci_dev *pf, u16 want_vfs)
{
	struct igb_hw *hw = &igb.hw;
	int r;

	igb.pci = pf;
	if ((r = igb_map(pf)) || (r = igb_enable_vfs(pf, want_vfs)))
		return r;
	hw->num_vfs = pf->sriov.num_vfs;
	for (u16 i = 0; i < IGB_POOLS; i++)
		igb_mbx_vf_init(&igb.vfs[i], i);
	if ((r = igb_reset(hw)) || (r = igb_dma_alloc()))
		return r;
	igb_read_mac(hw);
	if ((r = igb_link_start(hw)))
		return r;
	if ((r = igb_irq_init(hw)))
		return r;
	igb_vmdq_init(hw);
	igb_queues_init(hw);
	igb_rxtx_enable(hw);
	/* Last: VFs waiting in their reset handshake (RSTI) may now send RESET. */
	igb_wr(hw, IGB_CTRL_EXT, igb_rd(hw, IGB_CTRL_EXT) | IGB_CTRL_EXT_PFRSTD);
	return 0;
}

int igb_init(struct pci_dev *pf, u16 want_vfs)
{
	u64 flags = irq_save();
	int r;

	spin_lock(&igb.lock);
	r = igb_bringup(pf, want_vfs);
	igb.up = r == 0;
	spin_unlock(&igb.lock);
	irq_restore(flags);
	if (r) {
		pr_err(PCI_FMT ": PF not started (error %d)\n", PCI_ARG(pf), r);
		return r;
	}
	pr_info(PCI_FMT ": PF up, MAC %02x:%02x:%02x:%02x:%02x:%02x, %u VFs, PF pool %s, "
			"mailbox on vector 0x%x (CPU 0)\n",
		PCI_ARG(pf), igb.hw.pf_mac[0], igb.hw.pf_mac[1], igb.hw.pf_mac[2], igb.hw.pf_mac[3],
		igb.hw.pf_mac[4], igb.hw.pf_mac[5], igb.hw.num_vfs,
		igb_pf_has_pool(&igb.hw) ? "7" : "none", igb.vector);
	return 0;
}

/* ---- VFs for partitions -------------------------------------------------------- */

bool igb_vf_usable(const struct pci_dev *vf)
{
	return igb.up && vf && vf->is_vf && vf->pf == igb.pci && vf->vf_index < igb.hw.num_vfs &&
	       vf->vf_index < IGB_POOLS;
}

static bool igb_mac_taken(const u8 mac[6])
{
	if (!memcmp(mac, igb.hw.pf_mac, 6))
		return true;
	for (u16 i = 0; i < IGB_POOLS; i++)
		if (igb.vfs[i].assigned && !memcmp(mac, igb.vfs[i].mac, 6))
			return true;
	for (u32 i = 0; i < IGB_PF_MACS; i++)
		if (igb.pf_mac_used[i] && !memcmp(mac, igb.pf_macs[i], 6))
			return true;
	return false;
}

/* PF MAC k lives in receive address entry 1 + k: after the PF's own, below the VFs' (23 - n). */
static int igb_pf_mac_find_slot(void)
{
	for (u32 i = 0; i < IGB_PF_MACS; i++)
		if (!igb.pf_mac_used[i])
			return (int)i;
	return -ENOSPC;
}

int igb_pf_mac_add(const u8 mac[6])
{
	u64 flags = irq_save();
	int k = -ENODEV;

	spin_lock(&igb.lock);
	if (igb.up && igb_pf_has_pool(&igb.hw))
		k = igb_mac_taken(mac) ? -EEXIST : igb_pf_mac_find_slot();
	if (k >= 0) {
		memcpy(igb.pf_macs[k], mac, 6);
		igb.pf_mac_used[k] = true;
		igb_set_rar(&igb.hw, 1 + (u32)k, mac, (u8)BIT(IGB_PF_POOL));
	}
	spin_unlock(&igb.lock);
	irq_restore(flags);
	return k < 0 ? k : 0;
}

void igb_pf_mac_del(const u8 mac[6])
{
	u64 flags = irq_save();

	spin_lock(&igb.lock);
	for (u32 k = 0; k < IGB_PF_MACS; k++) {
		if (igb.pf_mac_used[k] && !memcmp(mac, igb.pf_macs[k], 6)) {
			igb_set_rar(&igb.hw, 1 + k, mac, 0);
			igb.pf_mac_used[k] = false;
		}
	}
	spin_unlock(&igb.lock);
	irq_restore(flags);
}

int igb_vf_assign(struct pci_dev *vf, const char *owner, const u8 mac[6])
{
	struct igb_vf *v;
	u64 flags;
	int r = 0;

	if (!igb_vf_usable(vf))
		return -ENODEV;
	v = &igb.vfs[vf->vf_index];
	flags = irq_save();
	spin_lock(&igb.lock);
	if (v->assigned)
		r = -EBUSY;
	else if (igb_mac_taken(mac))
		r = -EEXIST;
	if (!r) {
		igb_mbx_vf_assign(v, owner, mac);
		igb_set_rar(&igb.hw, igb_vf_rar(v->index), mac, (u8)BIT(v->index));
	}
	spin_unlock(&igb.lock);
	irq_restore(flags);
	if (!r)
		pr_info("VF%u (" PCI_FMT ") -> %s, MAC %02x:%02x:%02x:%02x:%02x:%02x\n", v->index,
			PCI_ARG(vf), owner, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return r;
}

void igb_vf_release(struct pci_dev *vf)
{
	struct igb_vf *v;
	u64 flags;

	if (!igb_vf_usable(vf))
		return;
	v = &igb.vfs[vf->vf_index];
	flags = irq_save();
	spin_lock(&igb.lock);
	igb_pool_enable(&igb.hw, (u8)v->index, false);
	igb_set_rar(&igb.hw, igb_vf_rar(v->index), v->mac, 0);
	igb_mbx_vf_init(v, v->index);
	spin_unlock(&igb.lock);
	irq_restore(flags);
}

void igb_vf_quiesce(struct pci_dev *vf)
{
	struct igb_vf *v;
	u64 flags;

	if (!igb_vf_usable(vf))
		return;
	v = &igb.vfs[vf->vf_index];
	flags = irq_save();
	spin_lock(&igb.lock);
	igb_pool_enable(&igb.hw, (u8)v->index, false);
	v->cts = false;
	spin_unlock(&igb.lock);
	irq_restore(flags);
	pr_info("VF%u (%s): pool closed: its partition stopped\n", v->index,
		v->owner ? v->owner : "unassigned");
}

void igb_get_stats(struct igb_stats *s)
{
	struct igb_fp_stats fs;

	igb_fp_get_stats(&fs);
	*s = igb.stats;
	s->pf_rx = fs.rx;
	s->pf_tx = fs.tx;
}

/* ---- self-tests ------------------------------------------------------------------ */

#define IGB_TEST_ETHERTYPE 0x88b5 /* IEEE local experimental */
#define IGB_TEST_WAIT_NS   (3000ULL * 1000 * 1000)

static bool igb_wait_link(void)
{
	u64 start = clock_ns();

	while (!(igb_rd(&igb.hw, IGB_STATUS) & IGB_STATUS_LU)) {
		if (clock_ns() - start > IGB_TEST_WAIT_NS)
			return false;
		udelay(1000);
	}
	return true;
}

/* Send frame from the PF's queue and wait for it to come back there; 0 or -errno. */
static int igb_loop_frame(const u8 *frame, u32 len, u8 *got, u32 *got_len)
{
	u8 *slot = igb_fp_tx_slot();
	u64 start = clock_ns();
	struct igb_fp_frame f;

	if (!slot)
		return -EBUSY;
	memcpy(slot, frame, len);
	igb_fp_tx_post(len);
	igb_fp_tx_flush();
	while (clock_ns() - start < IGB_TEST_WAIT_NS) {
		u32 n = igb_fp_rx_burst(&f, 1);

		if (!n) {
			cpu_relax();
			continue;
		}
		*got_len = f.len;
		memcpy(got, f.data, MIN(f.len, len));
		igb_fp_rx_release(n);
		if (f.len == len && !memcmp(got, frame, len))
			return 0;
	}
	return -ETIMEDOUT;
}

/*
 * The PF's own queue pair works through the hypervisor's IOMMU domain: a
 * frame to the PF's own MAC, switched inside the NIC (VMDq loopback), comes
 * back on the PF's receive queue. Runs on CPU 0 at boot, the queue pair's
 * one user (igb_fp.h); frames the wire sent meanwhile are skipped.
 */
SELFTEST(igb_pf_loopback)
{
	u8 frame[60] = { 0 }, got[60];
	u32 got_len = 0;
	int r;

	if (!igb.up || !igb_pf_has_pool(&igb.hw)) {
		snformat(msg, msglen, igb.up ? "the PF has no queue (8 VFs)" : "no igb PF running");
		return SELFTEST_SKIP;
	}
	if (!igb_wait_link()) {
		snformat(msg, msglen, "the link did not come up");
		return SELFTEST_FAIL;
	}
	memcpy(frame, igb.hw.pf_mac, 6);
	memcpy(frame + 6, igb.hw.pf_mac, 6);
	frame[12] = IGB_TEST_ETHERTYPE >> 8;
	frame[13] = IGB_TEST_ETHERTYPE & 0xff;
	memcpy(frame + 14, "igb PF loopback", 15);
	r = igb_loop_frame(frame, sizeof(frame), got, &got_len);
	if (r) {
		snformat(msg, msglen,
			 "the frame did not come back on the PF's queue (%d, last %u bytes)", r,
			 got_len);
		return SELFTEST_FAIL;
	}
	pr_info("PF loopback: %u bytes out and back in through queue %u\n", got_len, IGB_PF_POOL);
	return SELFTEST_PASS;
}
