# Guests are built here once the partition layer exists.
guests:
.PHONY: guests
