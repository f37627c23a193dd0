hv-asm-y += boot/entry.asm boot/isr.asm boot/trampoline.asm
