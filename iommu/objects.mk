hv-c-y += $(wildcard iommu/*.c)
