/* SPDX-License-Identifier: MIT */
/*
 * igb_regs.h: Intel 82576 registers (82576 GbE Controller Datasheet rev. 2.x,
 * ch. 8 "Programming Interface"). Private to the igb unit (drivers/igb*.c).
 * Offsets are into the PF's BAR0 (CSR space).
 */
#ifndef DRIVERS_IGB_REGS_H
#define DRIVERS_IGB_REGS_H

#include "kernel/types.h"

/* Register fields stay indented under their register (STYLE.md 3). */
/* clang-format off */

#define IGB_VENDOR    0x8086
#define IGB_DEV_82576 0x10c9 /* 82576 PF (QEMU's igb) */
#define IGB_BAR0_SIZE (128 * KiB)

/* The 82576 has 8 pools (VMDq, 7.10): VF n owns pool n and queues n, n + 8. */
#define IGB_POOLS     8
#define IGB_QUEUES    16
#define IGB_RAR_COUNT 24 /* receive address registers: 16 at RA, 8 at RA2 */
#define IGB_MTA_COUNT 128

/* General (8.2) */
#define IGB_CTRL          0x0000 /* Device Control */
#define  IGB_CTRL_FD      BIT(0)
#define  IGB_CTRL_SLU     BIT(6)  /* Set Link Up */
#define  IGB_CTRL_RST     BIT(26) /* Device Reset, self-clearing */
#define  IGB_CTRL_PHY_RST BIT(31)
#define IGB_STATUS        0x0008 /* Device Status */
#define  IGB_STATUS_LU    BIT(1)  /* Link Up */
#define  IGB_STATUS_IOV   BIT(18) /* IOV mode (VF Enable set) */
#define IGB_CTRL_EXT      0x0018 /* Extended Device Control */
#define  IGB_CTRL_EXT_PFRSTD BIT(14) /* PF Reset Done: VFs may start (7.8.2.2) */
#define IGB_MDIC          0x0020 /* MDI Control */
#define  IGB_MDIC_DATA    GENMASK(15, 0)
#define  IGB_MDIC_REG_SHIFT 16
#define  IGB_MDIC_PHY_SHIFT 21
#define  IGB_MDIC_OP_WRITE BIT(26)
#define  IGB_MDIC_OP_READ  BIT(27)
#define  IGB_MDIC_READY    BIT(28)
#define  IGB_MDIC_ERROR    BIT(30)
#define IGB_PHY_ADDR      1      /* the internal PHY's MDIO address */
#define IGB_PHY_BMCR      0      /* PHY Control (IEEE 802.3 22.2.4.1) */
#define  IGB_BMCR_SPEED1000 BIT(6)
#define  IGB_BMCR_FD        BIT(8)
#define  IGB_BMCR_ANRESTART BIT(9)
#define  IGB_BMCR_ANENABLE  BIT(12)

/* Interrupts (8.8) */
#define IGB_ICR           0x00c0 /* Interrupt Cause Read */
#define  IGB_ICR_LSC      BIT(2)  /* Link Status Change */
#define  IGB_ICR_VMMB     BIT(8)  /* VM mailbox: a VF message, ACK or reset */
#define IGB_IMS           0x00d0 /* Interrupt Mask Set */
#define IGB_IMC           0x00d8 /* Interrupt Mask Clear */
#define IGB_GPIE          0x1514 /* General Purpose Interrupt Enable */
#define  IGB_GPIE_NSICR     BIT(0)  /* non-selective ICR clear on read */
#define  IGB_GPIE_MSIX_MODE BIT(4)
#define  IGB_GPIE_EIAME     BIT(30)
#define  IGB_GPIE_PBA       BIT(31)
#define IGB_EICS          0x1520 /* Extended Interrupt Cause Set */
#define IGB_EIMS          0x1524 /* Extended Interrupt Mask Set */
#define IGB_EIMC          0x1528 /* Extended Interrupt Mask Clear */
#define IGB_EIAC          0x152c /* Extended Interrupt Auto Clear */
#define IGB_EIAM          0x1530 /* Extended Interrupt Auto Mask */
#define IGB_EICR          0x1580 /* Extended Interrupt Cause Read */
#define IGB_EITR(n)       (0x1680 + 4 * (n)) /* Extended Interrupt Throttle */
#define  IGB_EITR_INTERVAL GENMASK(14, 2)    /* microseconds in bits 14:2 */
#define IGB_IVAR(n)       (0x1700 + 4 * (n)) /* Interrupt Vector Allocation */
#define IGB_IVAR_MISC     0x1740
#define  IGB_IVAR_VALID   BIT(7)
#define  IGB_IVAR_OTHER_SHIFT 8 /* IVAR_MISC byte 1: every non-queue cause */

/* Receive (8.10) */
#define IGB_RCTL          0x0100 /* Receive Control */
#define  IGB_RCTL_EN      BIT(1)
#define  IGB_RCTL_LPE     BIT(5)
#define  IGB_RCTL_BAM     BIT(15)
#define  IGB_RCTL_VFE     BIT(18)
#define  IGB_RCTL_SECRC   BIT(26) /* strip the Ethernet CRC */
#define IGB_RLPML         0x5004 /* Receive Long Packet Maximum Length */
#define IGB_QDE           0x2408 /* Queue Drop Enable */
#define IGB_MTA(n)        (0x5200 + 4 * (n)) /* Multicast Table Array */
#define IGB_RAL(n)        ((n) < 16 ? 0x5400 + 8 * (n) : 0x54e0 + 8 * ((n) - 16))
#define IGB_RAH(n)        (IGB_RAL(n) + 4)
#define  IGB_RAH_ADDR     GENMASK(15, 0)
#define  IGB_RAH_POOL(p)  BIT(18 + (p)) /* POOLSEL: a bit per pool */
#define  IGB_RAH_POOLS    GENMASK(25, 18)
#define  IGB_RAH_AV       BIT(31)       /* Address Valid */
#define IGB_MRQC          0x5818 /* Multiple Receive Queues Command */
#define  IGB_MRQC_VMDQ    0x3
#define IGB_VT_CTL        0x581c /* VMDq Control */
#define  IGB_VT_CTL_DEF_PL_SHIFT 7 /* default pool, bits 9:7 */
#define  IGB_VT_CTL_DIS_DEF_POOL BIT(29)
#define  IGB_VT_CTL_REPL_EN      BIT(30) /* replicate broadcast/multicast to pools */
#define IGB_VMOLR(p)      (0x5ad0 + 4 * (p)) /* VM Offload (per pool) */
#define  IGB_VMOLR_RLPML  GENMASK(13, 0)
#define  IGB_VMOLR_LPE    BIT(16)
#define  IGB_VMOLR_AUPE   BIT(24) /* accept untagged */
#define  IGB_VMOLR_ROMPE  BIT(25) /* accept multicast hashed in MTA */
#define  IGB_VMOLR_ROPE   BIT(26) /* accept unicast hashed in UTA */
#define  IGB_VMOLR_BAM    BIT(27) /* accept broadcast */
#define  IGB_VMOLR_MPME   BIT(28) /* multicast promiscuous */
#define  IGB_VMOLR_STRCRC BIT(31)
#define IGB_VFTA(n)       (0x5600 + 4 * (n)) /* VLAN Filter Table Array */
#define IGB_VLVF(n)       (0x5d00 + 4 * (n)) /* VLAN VM Filter */

/* Receive / transmit queues (8.10, 8.12) */
#define IGB_RDBAL(q)      (0xc000 + 0x40 * (q))
#define IGB_RDBAH(q)      (0xc004 + 0x40 * (q))
#define IGB_RDLEN(q)      (0xc008 + 0x40 * (q))
#define IGB_SRRCTL(q)     (0xc00c + 0x40 * (q)) /* Split and Replication Receive Control */
#define  IGB_SRRCTL_BSIZEPKT_SHIFT 0            /* KiB */
#define  IGB_SRRCTL_DESCTYPE_ADV   BIT(25)      /* advanced, one buffer */
#define  IGB_SRRCTL_DROP_EN        BIT(31)
#define IGB_RDH(q)        (0xc010 + 0x40 * (q))
#define IGB_RDT(q)        (0xc018 + 0x40 * (q))
#define IGB_RXDCTL(q)     (0xc028 + 0x40 * (q))
#define  IGB_RXDCTL_ENABLE BIT(25)
#define IGB_TCTL          0x0400 /* Transmit Control */
#define  IGB_TCTL_EN      BIT(1)
#define  IGB_TCTL_PSP     BIT(3)
#define  IGB_TCTL_CT(x)   ((u32)(x) << 4)
#define  IGB_TCTL_COLD(x) ((u32)(x) << 12)
#define IGB_TDBAL(q)      (0xe000 + 0x40 * (q))
#define IGB_TDBAH(q)      (0xe004 + 0x40 * (q))
#define IGB_TDLEN(q)      (0xe008 + 0x40 * (q))
#define IGB_TDH(q)        (0xe010 + 0x40 * (q))
#define IGB_TDT(q)        (0xe018 + 0x40 * (q))
#define IGB_TXDCTL(q)     (0xe028 + 0x40 * (q))
#define  IGB_TXDCTL_ENABLE BIT(25)

/* Virtualization (8.14) */
#define IGB_VMBMEM(vf)    (0x0800 + 0x40 * (vf)) /* VM mailbox memory, 16 dwords */
#define IGB_P2VMAILBOX(vf) (0x0c00 + 4 * (vf))   /* PF-to-VF mailbox control */
#define  IGB_P2VMB_STS    BIT(0) /* status/message ready for the VF */
#define  IGB_P2VMB_ACK    BIT(1) /* the VF's message was read */
#define  IGB_P2VMB_VFU    BIT(2) /* buffer taken by the VF (read only) */
#define  IGB_P2VMB_PFU    BIT(3) /* buffer taken by the PF */
#define  IGB_P2VMB_RVFU   BIT(4) /* reset VFU */
#define IGB_MBVFICR       0x0c80 /* Mailbox VF Interrupt Cause (W1C) */
#define  IGB_MBVFICR_REQ(vf) BIT(vf)      /* VF wrote a message */
#define  IGB_MBVFICR_ACK(vf) BIT(16 + (vf)) /* VF read ours */
#define IGB_MBVFIMR       0x0c84 /* Mailbox VF Interrupt Mask */
#define IGB_VFLRE         0x0c88 /* VF Function Level Reset Events (W1C) */
#define IGB_VFRE          0x0c8c /* VF Receive Enable (per pool) */
#define IGB_VFTE          0x0c90 /* VF Transmit Enable (per pool) */
#define IGB_DTXSWC        0x3500 /* DMA Tx Switch Control (7.10.3.6, 8.14.x) */
#define  IGB_DTXSWC_MAC_SPOOF(p)  BIT(p)     /* MAC anti-spoof, per pool */
#define  IGB_DTXSWC_VLAN_SPOOF(p) BIT(8 + (p)) /* VLAN anti-spoof, per pool */
#define  IGB_DTXSWC_LOOPBACK_EN   BIT(31)    /* VMDq loopback (VM-to-VM switching) */
#define IGB_WVBR          0x3554 /* Wrong VM Behavior (spoofed frames seen) */
#define IGB_VMVIR(p)      (0x3700 + 4 * (p)) /* VM VLAN Insert */
#define IGB_PVTCTRL(vf)   (0x10000 + 0x100 * (vf)) /* the VF's CTRL, seen from the PF */

/* Mailbox messages (the igb/igbvf protocol; 7.8.2.x) */
#define IGB_MBX_WORDS         16
#define IGB_MSG_TYPE          GENMASK(15, 0)
#define IGB_MSG_INFO_SHIFT    16 /* bits 23:16: count or flags */
#define IGB_MSG_INFO          GENMASK(23, 16)
#define IGB_MSG_CTS           BIT(29) /* clear to send: the VF finished RESET */
#define IGB_MSG_NACK          BIT(30)
#define IGB_MSG_ACK           BIT(31)
#define IGB_VF_RESET          0x01
#define IGB_VF_SET_MAC_ADDR   0x02
#define IGB_VF_SET_MULTICAST  0x03
#define IGB_VF_SET_VLAN       0x04
#define IGB_VF_SET_LPE        0x05
#define IGB_VF_SET_PROMISC    0x06
#define IGB_PF_CONTROL_MSG    0x0100
#define IGB_VF_MAC_FILTER_CLR (1u << IGB_MSG_INFO_SHIFT)
#define IGB_VF_MAC_FILTER_ADD (2u << IGB_MSG_INFO_SHIFT)
#define IGB_VF_PROMISC_MCAST  (2u << IGB_MSG_INFO_SHIFT) /* SET_PROMISC: multicast */

/* clang-format on */

#endif
