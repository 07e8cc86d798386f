/*
 * transfers.h: libcurl transfers on the daemon's libuv loop.
 *
 * libcurl's multi interface tells us which sockets to watch and when to
 * wake it (CURLMOPT_SOCKETFUNCTION, CURLMOPT_TIMERFUNCTION); libuv watches
 * them. No thread per transfer: the spool keeps flowing while transfers
 * run, and every callback runs on the loop's thread.
 */
#ifndef DAHUB_NET_TRANSFERS_H
#define DAHUB_NET_TRANSFERS_H

#include <curl/curl.h>
#include <uv.h>

struct transfers;

/* Called once per transfer, on the loop, after the handle has left the
 * multi: the caller may read CURLINFO_*, clean the handle up or add new
 * transfers. result is CURLE_ABORTED_BY_CALLBACK when transfers_close()
 * ended it. */
typedef void transfer_done_fn(CURL *easy, CURLcode result, void *arg);

/* 0, -ENOMEM or -EIO. */
int transfers_new(uv_loop_t *loop, struct transfers **out);

/* Starts easy (configured by the caller, who keeps owning it). 0,
 * -ENOMEM, -EINVAL (already running) or -EIO. */
int transfers_add(struct transfers *t, CURL *easy, transfer_done_fn *done,
                  void *arg);

/* Transfers started and not yet done. */
size_t transfers_running(const struct transfers *t);

/* Ends every running transfer (each done with CURLE_ABORTED_BY_CALLBACK),
 * then closes the libuv handles and frees t once they are closed: run the
 * loop until then. NULL is a no-op. */
void transfers_close(struct transfers *t);

/* Appends a header line, formatted, to *list (any length: a token may be
 * long). The formatted copy is wiped once libcurl has its own, as a value
 * may be a credential. 0 or -ENOMEM. */
int transfers_header(struct curl_slist **list, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Wipes the list's Authorization lines and frees it. NULL is a no-op. */
void transfers_headers_free(struct curl_slist *list);

#endif
