# SPDX-License-Identifier: MIT
# Makefile: builds the hypervisor image and ISO, the guests, and runs every test.
#
#   make          build/hypervisor.elf and build/hypervisor.iso
#   make run      boot the demo in QEMU, serial console on this terminal
#   make test     every test (unit, fuzz smoke, QEMU, Bochs); ends with "N passed, N failed"
#   make test-long  the longer Bochs runs (VMX on other CPU models) make test skips
#   make linux    build/linux: Debian's kernel and the initramfs of the Linux partition (test_linux)
#   make debug    QEMU stopped at the first instruction, gdb attached
#   make bench    the benchmark (see README)
#   make lint     clang-format check and cppcheck
#   make fuzz     every libFuzzer harness for FUZZ_SECONDS (30) each (tests/fuzz/README.md)
#
# Each directory lists its objects in a small objects.mk.

BUILD   ?= build
CC      := gcc
LD      := ld
NASM    := nasm
PYTHON  := /usr/bin/python3
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

HV_CFLAGS := -std=c11 -ffreestanding -fno-pie -fno-pic -fno-stack-protector \
	-fno-omit-frame-pointer -fno-builtin -fno-tree-loop-distribute-patterns \
	-mno-red-zone -mgeneral-regs-only -mcmodel=small -mno-sse -mno-mmx \
	-fno-asynchronous-unwind-tables -O2 -g \
	-Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wno-address-of-packed-member \
	-I. -DHV_VERSION='"$(VERSION)"' -MMD -MP
HV_LDFLAGS := -n -nostdlib -z max-page-size=0x1000 -z noexecstack -T linker.ld

hv-c-y :=
hv-asm-y :=
include boot/objects.mk kernel/objects.mk drivers/objects.mk pci/objects.mk iommu/objects.mk

HV_OBJS := $(addprefix $(BUILD)/hv/,$(hv-c-y:.c=.o) $(hv-asm-y:.asm=.o))

.PHONY: all setup run test test-long unit debug bench lint format clean iso guests linux
all: $(BUILD)/hypervisor.iso

setup:
	@bash tools/setup

$(BUILD)/hv/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -c $< -o $@

$(BUILD)/hv/%.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -g -F dwarf -o $@ $<

# Two links: the first with an empty symbol table, the second with the table
# made from the first. .ksyms is last in the image, so nothing else moves.
$(BUILD)/hv/ksyms-empty.o: boot/ksyms.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -o $@ $<

$(BUILD)/hypervisor.pass1.elf: $(HV_OBJS) $(BUILD)/hv/ksyms-empty.o linker.ld
	$(LD) $(HV_LDFLAGS) -o $@ $(HV_OBJS) $(BUILD)/hv/ksyms-empty.o

$(BUILD)/ksyms.bin: $(BUILD)/hypervisor.pass1.elf tools/ksyms.py
	nm -n $< > $(BUILD)/ksyms.nm
	$(PYTHON) tools/ksyms.py $(BUILD)/ksyms.nm $@

$(BUILD)/hv/ksyms.o: boot/ksyms.asm $(BUILD)/ksyms.bin
	$(NASM) -f elf64 -DKSYMS_BLOB='"$(BUILD)/ksyms.bin"' -o $@ $<

$(BUILD)/hypervisor.elf: $(HV_OBJS) $(BUILD)/hv/ksyms.o linker.ld
	$(LD) $(HV_LDFLAGS) -o $@ $(HV_OBJS) $(BUILD)/hv/ksyms.o
	@nm -n $@ | grep -i ' [tw] ' > $(BUILD)/ksyms.check
	@grep -i ' [tw] ' $(BUILD)/ksyms.nm | cmp -s - $(BUILD)/ksyms.check || \
		{ echo "ksyms: text moved between the two links"; rm -f $@; exit 1; }

iso: $(BUILD)/hypervisor.iso
$(BUILD)/hypervisor.iso: $(BUILD)/hypervisor.elf tools/mkiso tools/grub.cfg guests
	bash tools/mkiso $@ tools/grub.cfg $(BUILD)/hypervisor.elf $(GUEST_ISO_FILES)

include guests/objects.mk

# The Linux partition's kernel and initramfs (tools/mkinitramfs; tests/qemu/test_linux.py also
# builds them when missing or older than these inputs).
linux: $(BUILD)/linux/initramfs.cpio.gz
$(BUILD)/linux/initramfs.cpio.gz: tools/mkinitramfs guests/linux/init guests/linux/udpecho.c
	bash tools/mkinitramfs $(BUILD)/linux
include tests/tests.mk
include tests/mbkernels/objects.mk
include tests/bench/bench.mk

# NET=user (default) or NET=tap (a Linux peer in a network namespace; see tools/run-qemu)
run: setup all
	NET=$(NET) bash tools/run-qemu $(BUILD)/hypervisor.iso

debug: setup all
	bash tools/debug

# `make lint`: clang-format over the files that follow .clang-format (tools/lint-files: the
# hand-laid-out older files stay off it), cppcheck over every hypervisor source.
LINT_FILES := $(shell sed -e '/^\#/d' -e '/^$$/d' tools/lint-files)
CPPCHECK_FLAGS := --quiet --std=c11 --enable=warning,style,performance,portability \
	--inline-suppr --suppressions-list=tools/cppcheck.supp --error-exitcode=1 \
	-I. -D__x86_64__ -DHV_VERSION='"lint"' \
	--template='{file}:{line}: {severity}: {message} [{id}]'

lint: setup
	@echo "lint: clang-format check of $(words $(LINT_FILES)) files (tools/lint-files)"
	@clang-format --dry-run --Werror $(LINT_FILES)
	@echo "lint: cppcheck of $(words $(hv-c-y)) hypervisor sources"
	@cppcheck $(CPPCHECK_FLAGS) $(hv-c-y)
	@echo "lint: ok"

format: setup
	clang-format -i $(LINT_FILES)

clean:
	rm -rf $(BUILD)

-include $(HV_OBJS:.o=.d)
