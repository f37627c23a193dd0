hv-c-y += $(wildcard drivers/*.c)
