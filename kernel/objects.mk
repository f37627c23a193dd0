# Every .c in kernel/ is part of the hypervisor.
hv-c-y += $(wildcard kernel/*.c)
hv-asm-y += $(wildcard kernel/*.asm)
