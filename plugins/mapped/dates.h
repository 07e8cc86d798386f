/*
 * dates.h: calendar dates as partners write them (private to the mapped
 * plugin). Used wherever a mapping reads a date: a period from the date in
 * each row, the dates of a case, the end date of a contract.
 */
#ifndef MAPPED_DATES_H
#define MAPPED_DATES_H

#include <stddef.h>

/* Reads len bytes of s as one date: 13.06.2022, 01/08/2022, 1/8/2022,
 * 01/10/22 (a two-digit year is 20yy), 13-06-2022 (day first) or 2024-04-01
 * (ISO, year first). Spaces around it are ignored; anything else makes it
 * not a date. 0 with *y, *m, *d set; -EINVAL when it is not written as a
 * date; -ERANGE when it is, but no such day exists (31/02/2024). */
int dates_parse(const char *s, size_t len, int *y, int *m, int *d);

#endif
