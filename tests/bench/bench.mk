# SPDX-License-Identifier: MIT
# tests/bench/bench.mk: `make bench` and the native baseline image it boots.
#
# build/hypervisor-bench.elf = the hypervisor's own objects + tests/bench/native.c
# (a self-test, selftest=bench_native) + the guests' netbench/netdev/igbvf object
# code with a small guest-side adapter, linked as one relocatable object whose
# symbols all carry the prefix nbg_ (no clash with the hypervisor's memcpy & co).
# The default image (build/hypervisor.elf) links none of it.

BENCH_COUNT  ?= 20000
BENCH_WARMUP ?= 2000
BENCH_ARGS   ?=

BENCH_GUEST_LIB  := netbench netdev igbvf igbvf_io pvnet string printf
BENCH_GUEST_OBJS := $(addprefix $(BUILD)/guests/guests/lib/,$(addsuffix .o,$(BENCH_GUEST_LIB))) \
	$(BUILD)/bench/native_guest.o
BENCH_HV_OBJS    := $(HV_OBJS) $(BUILD)/bench/native.o $(BUILD)/bench/guest-side.o

$(BUILD)/bench/native_guest.o: tests/bench/native_guest.c tests/bench/hvb.h
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/bench/guest-side.o: $(BENCH_GUEST_OBJS)
	$(LD) -r -o $@.tmp $^
	objcopy --prefix-symbols=nbg_ $@.tmp $@
	@rm -f $@.tmp
	@nm -u $@ | grep -v ' nbg_hvb_' | grep . && { echo "bench: guest side needs more than hvb.h"; rm -f $@; exit 1; } || true

$(BUILD)/bench/native.o: tests/bench/native.c tests/bench/hvb.h tests/bench/bench.mk
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -DBENCH_COUNT=$(BENCH_COUNT) -DBENCH_WARMUP=$(BENCH_WARMUP) -c $< -o $@

$(BUILD)/bench/pass1.elf: $(BENCH_HV_OBJS) $(BUILD)/hv/ksyms-empty.o linker.ld
	$(LD) $(HV_LDFLAGS) -o $@ $(BENCH_HV_OBJS) $(BUILD)/hv/ksyms-empty.o

$(BUILD)/bench/ksyms.bin: $(BUILD)/bench/pass1.elf tools/ksyms.py
	nm -n $< > $(BUILD)/bench/ksyms.nm
	$(PYTHON) tools/ksyms.py $(BUILD)/bench/ksyms.nm $@

$(BUILD)/bench/ksyms.o: boot/ksyms.asm $(BUILD)/bench/ksyms.bin
	$(NASM) -f elf64 -DKSYMS_BLOB='"$(BUILD)/bench/ksyms.bin"' -o $@ $<

$(BUILD)/hypervisor-bench.elf: $(BENCH_HV_OBJS) $(BUILD)/bench/ksyms.o linker.ld
	$(LD) $(HV_LDFLAGS) -o $@ $(BENCH_HV_OBJS) $(BUILD)/bench/ksyms.o

bench-image: $(BUILD)/hypervisor-bench.elf

# Build, then boot the three paths under -icount and write build/bench/ (tests/bench/README.md).
bench: setup
	$(MAKE) all $(BUILD)/hypervisor-bench.elf
	$(PYTHON) tests/bench/bench.py --count $(BENCH_COUNT) --warmup $(BENCH_WARMUP) $(BENCH_ARGS)

.PHONY: bench-image
