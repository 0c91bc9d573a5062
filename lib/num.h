/*
 * num.h - read a decimal number out of a kernel file, fast (header only).
 *
 * The reader reads some twenty numbers a process each snapshot; strtoull
 * (locale, errno, bases, white space) was a fifth of its user time. This is
 * what the files hold: an optional '-', then digits.
 */
#ifndef CULL_NUM_H
#define CULL_NUM_H

/* The number at s: an optional '-' and one digit or more, into *v (a
 * negative one as strtoull gives it, 0 less its magnitude). Returns the
 * end of it, or NULL when s holds no digit there or the magnitude does not
 * fit in 64 bits. */
static inline const char *
cull_dec(const char *s, unsigned long long *v)
{
	unsigned long long x = 0;
	const char *d;
	int neg = *s == '-';

	s += neg;
	for (d = s; *s >= '0' && *s <= '9'; s++) {
		unsigned int c = (unsigned int)(*s - '0');

		if (s - d >= 19 && (s - d > 19 || x > (~0ULL - c) / 10))
			return 0;	/* 19 digits always fit; a 20th may not */
		x = x * 10 + c;
	}
	if (s == d)
		return 0;
	*v = neg ? 0 - x : x;
	return s;
}

/* Past the number at s (as cull_dec reads it, not its value); NULL when
 * there is none */
static inline const char *
cull_dec_skip(const char *s)
{
	const char *d;

	s += *s == '-';
	for (d = s; *s >= '0' && *s <= '9'; s++)
		;
	return s == d ? 0 : s;
}

#endif
