# SPDX-License-Identifier: MIT
# tests/mbkernels/objects.mk: the multiboot test kernels (tests/mbkernels/README.md), one
# C core built per variant: build/mbkernels/<variant>.elf (and mb1-aout.bin, a flat image).

MBK_DIR := tests/mbkernels
MBK_VARIANTS := mb1-elf32 mb1-aout mb2-elf32 mb1-elf64 mb2-elf64
MBK_CFLAGS := -std=c11 -ffreestanding -fno-pie -fno-pic -fno-stack-protector -fno-builtin \
	-fno-tree-loop-distribute-patterns -mgeneral-regs-only -fno-asynchronous-unwind-tables \
	-O2 -g -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -I$(MBK_DIR) -MMD -MP
MBK_LDFLAGS := -n -nostdlib -static -z noexecstack --no-warn-rwx-segments

mbk-defs-mb1-elf32 := -DMB1
mbk-defs-mb1-aout := -DMB1 -DAOUT
mbk-defs-mb2-elf32 := -DMB2
mbk-defs-mb1-elf64 := -DMB1
mbk-defs-mb2-elf64 := -DMB2 -DENTRY_TAG
mbk-bits-mb1-elf32 := 32
mbk-bits-mb1-aout := 32
mbk-bits-mb2-elf32 := 32
mbk-bits-mb1-elf64 := 64
mbk-bits-mb2-elf64 := 64
mbk-cc-32 := -m32 -march=i686
mbk-cc-64 := -m64 -mcmodel=small -mno-red-zone
mbk-ld-32 := -m elf_i386
mbk-ld-64 := -m elf_x86_64

# $(1): variant
define MBK_VARIANT
mbk-objs-$(1) := $$(addprefix $(BUILD)/mbkernels/$(1)/,main.o lib.o mbinfo.o tests.o \
	arch$$(mbk-bits-$(1)).o head$$(mbk-bits-$(1)).o)

$(BUILD)/mbkernels/$(1)/%.o: $(MBK_DIR)/%.c
	@mkdir -p $$(dir $$@)
	$(CC) $(MBK_CFLAGS) $$(mbk-cc-$$(mbk-bits-$(1))) $$(mbk-defs-$(1)) -DVARIANT='"$(1)"' -c $$< -o $$@

$(BUILD)/mbkernels/$(1)/%.o: $(MBK_DIR)/%.S
	@mkdir -p $$(dir $$@)
	$(CC) $(MBK_CFLAGS) $$(mbk-cc-$$(mbk-bits-$(1))) $$(mbk-defs-$(1)) -c $$< -o $$@

$(BUILD)/mbkernels/$(1).elf: $$(mbk-objs-$(1)) $(MBK_DIR)/mbk$$(mbk-bits-$(1)).ld
	$(LD) $$(mbk-ld-$$(mbk-bits-$(1))) $(MBK_LDFLAGS) -T $(MBK_DIR)/mbk$$(mbk-bits-$(1)).ld \
		-o $$@ $$(mbk-objs-$(1))

-include $$(mbk-objs-$(1):.o=.d)
endef
$(foreach v,$(MBK_VARIANTS),$(eval $(call MBK_VARIANT,$(v))))

# The a.out-kludge variant is loaded as a flat image: only its header's address fields place it.
$(BUILD)/mbkernels/mb1-aout.bin: $(BUILD)/mbkernels/mb1-aout.elf
	objcopy -O binary $< $@

MBK_FILES := $(addprefix $(BUILD)/mbkernels/,$(addsuffix .elf,$(filter-out mb1-aout,$(MBK_VARIANTS))) \
	mb1-aout.bin)
mbkernels: $(MBK_FILES)
all: mbkernels
.PHONY: mbkernels
