/*
 * pgstore_region.h: several boards of one PostgreSQL database read as one
 * store, for a region's combined summary (docs/postgresql.md, "A region's
 * report").
 *
 * What the summary reads (figures, deliveries, records, warnings) comes
 * from every listed board, each read as its own hub reads it, with a
 * feed known by its board's name and its own ("leics/freeva"): two
 * boards' feeds of the same name stay two feeds, and their figures of one
 * cell add up in the summary. Nothing is written: a region has no summary
 * versions, cells, deliveries or pulls of its own, so those reads answer
 * none and every write -EROFS.
 */
#ifndef DAHUB_PGSTORE_REGION_H
#define DAHUB_PGSTORE_REGION_H

#include <stddef.h>

#include "store_backend.h"

/* The most boards one region reads (a connection each). */
#define PGSTORE_REGION_MAX 16
/* A board's name in a region's list: [a-z0-9_]+, at most 63 bytes. */
#define PGSTORE_REGION_NAME 64

struct pgstore_region;

/* Splits list ("leics,rutland") into boards: [a-z0-9_]+ each, 1 to
 * PGSTORE_REGION_MAX of them, none twice; sorted, so a region is the same
 * whatever the list's order. 0 with *n, or -EINVAL with err saying which
 * word is wrong. */
int pgstore_region_boards(const char *list, char (*boards)[PGSTORE_REGION_NAME],
                          size_t *n, struct dahub_error *err);

/* Connects once a board with the connection string in conninfo_file
 * (read as it is: no migration). Every board must be the role's to read
 * (board_roles, or the tables' owner) and hold a stored file; else
 * -EACCES or -ENOENT with err naming the board. boards as
 * pgstore_region_boards() makes them (else -EINVAL). The database
 * must be at this dahub's schema version (-EPROTO).
 * OUT: pgstore_region_close(). */
int pgstore_region_open(const char *conninfo_file, const char *const *boards,
                        size_t n, struct pgstore_region **out,
                        struct dahub_error *err);
/* NULL is a no-op. */
void pgstore_region_close(struct pgstore_region *r);

/* The summary's reads (as store.h's store_each_current(),
 * store_each_delivery(), store_each_record(), store_each_warned(),
 * store_warnings_of()) over every board in turn, by name, each feed as
 * "<board>/<feed>". */
int pgstore_region_each_current(struct pgstore_region *r, const char *prefix,
                                int (*fn)(void *arg, const struct store_row *r),
                                void *arg, struct dahub_error *err);
int pgstore_region_each_delivery(struct pgstore_region *r, const char *prefix,
                                 int (*fn)(void *arg, const char *feed,
                                           const char *period,
                                           int64_t ingest_id,
                                           const char *stored_at),
                                 void *arg, struct dahub_error *err);
int pgstore_region_each_record(struct pgstore_region *r, const char *kind,
                               int (*fn)(void *arg, const char *feed,
                                         const char *fields, int64_t ingest_id),
                               void *arg, struct dahub_error *err);
int pgstore_region_each_warned(struct pgstore_region *r, const char *prefix,
                               int (*fn)(void *arg,
                                         const struct store_warned *w),
                               void *arg, struct dahub_error *err);
/* An ingest id is one board's: the board that has it answers. */
int pgstore_region_warnings_of(struct pgstore_region *r, int64_t ingest_id,
                               unsigned *count, char **kept,
                               struct dahub_error *err);

/* Each recorded cell of every board's own summary versions of a period
 * with that prefix, board by board (by name), then as
 * pgstore_each_published() gives them; fn returns non-zero to stop
 * (returned). What a reader of the boards' papers holds beside the
 * region's. */
int pgstore_region_each_published(struct pgstore_region *r, const char *prefix,
                                  int (*fn)(void *arg, const char *board,
                                            const struct store_pub_cell *c),
                                  void *arg, struct dahub_error *err);

/* be is a struct pgstore_region *. */
extern const struct store_backend_ops store_backend_region;

#endif
