hv-c-y += $(wildcard pci/*.c)
