# SPDX-License-Identifier: MIT
# guests/objects.mk: the minimal guests, built freestanding with their own flags
# and linker script (guests/lib/guest.ld), and the files the ISO carries.
#
# A guest is guests/<name>.c or guests/<name>/*.c; each links guests/lib/.

GUEST_CFLAGS := -std=c11 -ffreestanding -fno-pie -fno-pic -fno-stack-protector \
	-fno-builtin -fno-tree-loop-distribute-patterns -mno-red-zone -mgeneral-regs-only \
	-mcmodel=small -fno-asynchronous-unwind-tables -O2 -g \
	-Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes -I. -MMD -MP
GUEST_LDFLAGS := -n -nostdlib -static -z max-page-size=0x1000 -z noexecstack -T guests/lib/guest.ld

GUEST_LIB_OBJS := $(patsubst %,$(BUILD)/guests/%.o,$(basename $(wildcard guests/lib/*.c guests/lib/*.S)))
GUEST_NAMES := hello attack mbxtest net bench irqtest
GUEST_ELFS := $(addprefix $(BUILD)/guests/,$(addsuffix .elf,$(GUEST_NAMES)))
GUEST_ISO_FILES := $(foreach g,$(GUEST_NAMES),$(BUILD)/guests/$(g).elf=/guests/$(g).elf)

$(BUILD)/guests/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/guests/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/guests/hello.elf: $(BUILD)/guests/guests/hello.o $(GUEST_LIB_OBJS) guests/lib/guest.ld
	$(LD) $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)

$(BUILD)/guests/net.elf: $(BUILD)/guests/guests/net.o $(GUEST_LIB_OBJS) guests/lib/guest.ld
	$(LD) $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)

$(BUILD)/guests/attack.elf: $(patsubst %.c,$(BUILD)/guests/%.o,$(wildcard guests/attack/*.c)) \
		$(GUEST_LIB_OBJS) guests/lib/guest.ld
	$(LD) $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)

$(BUILD)/guests/bench.elf: $(BUILD)/guests/guests/bench.o $(GUEST_LIB_OBJS) guests/lib/guest.ld
	$(LD) $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)

$(BUILD)/guests/irqtest.elf: $(BUILD)/guests/guests/irqtest.o $(GUEST_LIB_OBJS) guests/lib/guest.ld
	$(LD) $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)

$(BUILD)/guests/mbxtest.elf: $(BUILD)/guests/guests/mbxtest.o $(GUEST_LIB_OBJS) guests/lib/guest.ld
	$(LD) $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)

guests: $(GUEST_ELFS)
.PHONY: guests

-include $(GUEST_LIB_OBJS:.o=.d) $(wildcard $(BUILD)/guests/guests/*.d $(BUILD)/guests/guests/*/*.d)
