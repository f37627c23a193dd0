// SPDX-License-Identifier: MIT
/* string.c: the few C library functions the guests use (the compiler may call mem*). */
#include "guests/lib/guest.h"

/* String instructions: eight bytes at a time, then the rest (frames are copied on every path). */
void *memset(void *d, int c, size_t n)
{
	void *p = d;
	size_t q = n / 8;
	u64 v = 0x0101010101010101ULL * (u8)c;

	__asm__ __volatile__("rep stosq" : "+D"(p), "+c"(q) : "a"(v) : "memory");
	n &= 7;
	__asm__ __volatile__("rep stosb" : "+D"(p), "+c"(n) : "a"(v) : "memory");
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	void *p = d;
	size_t q = n / 8;

	__asm__ __volatile__("rep movsq" : "+D"(p), "+S"(s), "+c"(q) : : "memory");
	n &= 7;
	__asm__ __volatile__("rep movsb" : "+D"(p), "+S"(s), "+c"(n) : : "memory");
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}

u64 parse_num(const char *s, bool *ok)
{
	unsigned base = 10;
	u64 v = 0;

	*ok = false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return 0;
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return 0;
		v = v * base + d;
	}
	*ok = true;
	return v;
}
