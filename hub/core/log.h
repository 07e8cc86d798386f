/*
 * log.h: one event a line on stderr, for the journal.
 *
 * "<6>event=file_done feed=freeva file=\"q1.csv\" observations=412". The
 * prefix is the sd-daemon priority (LOG_INFO... as "<6>"), so journald files
 * each line at the right level. Outside values go through log_quote(), so no
 * input can forge a line. Never log cell contents, names or case ids.
 */
#ifndef DAHUB_LOG_H
#define DAHUB_LOG_H

#include <stddef.h>

#include <syslog.h> /* LOG_ERR...: the numbers sd-daemon prefixes carry */

/* Writes "<prio>event=NAME " then the formatted key=value rest and a newline,
 * in one write() so concurrent threads never interleave a line. */
void log_event(int prio, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Quotes s for a log value into buf: "..." with \" \\ \n \t and \xNN for
 * other control bytes; cut with "..." at the buffer's end. Returns buf. */
const char *log_quote(char *buf, size_t n, const char *s);

/* Raises or lowers what is written: events above prio are dropped. Any
 * thread may log while another sets it. */
void log_set_level(int prio);

/* The level a person names ("error", "warning", "notice", "info",
 * "debug", as journalctl -p does) as its priority. 0, or -EINVAL. */
int log_level_parse(const char *name, int *prio);
#define LOG_LEVEL_NAMES                                                        \
  "\"error\", \"warning\", \"notice\", \"info\" or \"debug\""

#endif
