/*
 * dahub/plugin.h: the whole contract between the hub and a plugin.
 *
 * A source plugin turns the bytes of one partner return into observations:
 * one number, for one area, one period, one measure, optionally broken down.
 * The hub does all the rest: it finds the file, reads it for you, checks each
 * observation against the vocabulary, stores them in one transaction, and
 * moves the file to done/ or failed/.
 *
 * Rules a plugin lives by:
 *  - No I/O. Read the input only through in->read; never open files or
 *    sockets, never sleep, never touch the store. (Exceptions: scratch
 *    space in an unlinked temporary file, which the mapped plugin's
 *    distinct counts spill to so that memory stays bounded, and the xlsx
 *    sink's anonymous memory file, as its library writes only to a path.)
 *  - No globals. Everything a feed needs lives in the state open() returns;
 *    treat it as read-only after open().
 *  - Threads: open(), close() and personal() run on the loop thread; parse()
 *    and render() on workers, several at once. Call the host only from
 *    parse()'s thread, except in->read and pseudonymise (notes at each).
 *  - Export exactly one symbol, dahub_plugin_v1, a const struct dahub_plugin
 *    filled with designated initialisers. Build with -fvisibility=hidden.
 *  - Text from the file goes in an error's `found` and nowhere else: not in
 *    msg, field or expected, not in a warning. The hub quotes `found` cut
 *    to 40 characters, or for a feed of personal data describes it ("text
 *    of 16 characters (letters, digits and other characters)"), before
 *    anyone reads it; text anywhere else it cannot find.
 *
 * A sink plugin turns the board summary (a JSON document, already through
 * disclosure control: it holds no value that must stay hidden) into a
 * payload, such as a CSV file. The hub writes or sends it.
 *
 * Examples: plugins/mapped/ (a source: CSV by mapping) and plugins/csv/
 * (a sink); copy one to start.
 */
#ifndef DAHUB_PLUGIN_H
#define DAHUB_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "dahub/error.h"

/* Bumped only when a field changes meaning; appending a field does not. */
#define DAHUB_ABI_VERSION 1u
#define DAHUB_PLUGIN_SYMBOL "dahub_plugin_v1"

enum dahub_kind {
  DAHUB_KIND_SOURCE = 1, /* bytes of a partner return -> observations */
  DAHUB_KIND_SINK = 2,   /* the board summary -> a payload the hub delivers */
};

/* How a call ended. The hub, not the plugin, decides what follows. */
enum dahub_outcome {
  DAHUB_OK = 0,    /* everything emitted; store it */
  DAHUB_RETRY = 1, /* transient: try the same input again later */
  DAHUB_FAIL = 2,  /* this input is bad; err says where and why */
};

enum dahub_status {
  DAHUB_ACTUAL = 0,     /* a number as reported */
  DAHUB_SUPPRESSED = 1, /* "<5", "*": hidden at source; bound kept */
  DAHUB_MISSING = 2,    /* blank: not reported. Never zero. */
  DAHUB_ESTIMATED = 3,  /* reported as an estimate ("approx.") */
};

struct dahub_dim {
  const char *name;  /* a dimension of the vocabulary, e.g. "gender" */
  const char *value; /* its code or a known label: "female", "F" */
  uint32_t col;      /* the cell it came from, or 0 (see dahub_obs) */
};

/* One observation, as the plugin saw it. Strings are borrowed: the hub copies
 * what it keeps before emit() returns. Labels are resolved by the hub, so
 * "NW Leics" is as good as "E07000134" when the vocabulary knows it. */
struct dahub_obs {
  const char *service_id; /* "freeva.male_helpline", or NULL */
  const char *area;       /* GSS code, X_* code or a known label */
  const char *period;     /* "FY2024-25-Q1", "FY2024-25", "-H1", "-M01" */
  const char *measure;    /* measure_id from the vocabulary */
  const struct dahub_dim *dims;
  size_t n_dims;
  enum dahub_status status;
  int64_t value; /* ACTUAL/ESTIMATED: value / 10^scale, exactly */
  uint8_t scale; /* decimal places of value: 965 with scale 1 is 96.5 */
  int64_t bound; /* SUPPRESSED: the bound as received ("<5": 5), or 0 */
  uint32_t line; /* where in the input, 1-based, for error reports */
  uint32_t col;
  const char *raw; /* the cell as received, or NULL (kept in provenance,
                    * but for a feed of personal data) */
  /* The columns the labels came from, on the same line, or 0 when a label
   * is not from a cell of that line (a fixed value, a cell above the
   * header): an error about the area then points at the area's cell. */
  uint32_t service_col, area_col, period_col, measure_col;
};

/* The input, read through the hub. read() fills buf with up to cap bytes and
 * returns how many, 0 at the end, or a negative code (stop, return
 * DAHUB_FAIL: the hub knows why). Any one thread of the plugin's may call
 * it, one call at a time, until parse() returns. */
struct dahub_input {
  const char *name; /* file name as the partner sent it, no folder */
  uint64_t size;    /* in bytes, as claimed */
  ssize_t (*read)(struct dahub_input *in, void *buf, size_t cap);
  uint32_t max_line_bytes; /* configured limit: a longer line is an error */
  void *hub;               /* the hub's; do not touch */
};

/* Where a sink writes its payload. The hub keeps the bytes and delivers
 * them whole (an atomic file write, an HTTP POST) only after render()
 * returned OK. write() returns 0, or negative (stop, return DAHUB_FAIL). */
struct dahub_output {
  int (*write)(struct dahub_output *out, const void *buf, size_t len);
  void *hub; /* the hub's; do not touch */
};

struct dahub_ctx; /* the hub's, opaque */

/* What the hub lends a plugin during parse(). */
struct dahub_host {
  uint32_t struct_size;
  /* Hands one observation to the hub. 0: go on (even if the hub found it
   * invalid: it collects every error for the report). Non-zero: stop now and
   * return DAHUB_FAIL; the hub already knows why (too many errors, shutting
   * down, store trouble). */
  int (*emit)(struct dahub_ctx *ctx, const struct dahub_obs *obs);
  /* A note for the ingest report that does not stop the file, such as a
   * TOTAL that does not add up. msg must not quote the file's cells. */
  void (*warn)(struct dahub_ctx *ctx, uint32_t line, uint32_t col,
               const char *msg);
  /* out = HMAC-SHA256 of data under the feed's secret key ("hmac_key_file"
   * in its feeds.d file), so a case reference can be told apart from others
   * without being kept. 0, -ENOKEY when the feed has no key, or -EIO. Keep
   * only the result; never emit the reference or its HMAC. Any thread of
   * the plugin's may call it, several at once, until parse() returns. */
  int (*pseudonymise)(struct dahub_ctx *ctx, const void *data, size_t len,
                      uint8_t out[32]);
  /* Hands the hub one record that is not a number, such as a contract of
   * the commissioning register: kind is a record kind of the vocabulary
   * ("contract"), fields its named texts (borrowed, copied before return),
   * line where it came from. Same return as emit(). */
  int (*emit_record)(struct dahub_ctx *ctx, const char *kind,
                     const struct dahub_dim *fields, size_t n_fields,
                     uint32_t line);
  /* Appended: absent from a host whose struct_size ends before it. A
   * remark for the officer who tries the file (`dahub try`), not a
   * problem of the file, and not kept with the ingest: which of the
   * feed's shapes read it, and why the others did not. msg must not
   * quote the file's cells. */
  void (*note)(struct dahub_ctx *ctx, const char *msg);
  /* Appended, like note. The input is a workbook, read from the sheet
   * called name (borrowed, copied): the line and col of what follows are
   * its row and column, and the hub names a cell as Excel does in every
   * error and warning ('sheet "Q1 return" cell D4: ...'). */
  void (*sheet)(struct dahub_ctx *ctx, const char *name);
};

/* Exported as dahub_plugin_v1. The first two fields never move; fields are
 * only appended; a field beyond struct_size counts as absent. */
struct dahub_plugin {
  uint32_t abi_version; /* DAHUB_ABI_VERSION when built */
  uint32_t struct_size; /* sizeof(struct dahub_plugin) when built */
  const char *name;     /* [a-z0-9_]+, as feeds name it in "plugin" */
  const char *version;  /* the plugin's own, kept with every ingest */
  enum dahub_kind kind;

  /* Checks a feed's "options" (borrowed, may be NULL) and builds the state
   * parse() will use. Loop thread, at start, `dahub check` and reload.
   * Returns 0, or negative with err naming the option ("mapping.header_row")
   * and what was wrong. */
  int (*open)(const json_t *options, void **state, struct dahub_error *err);
  /* Frees what open() built. state may be NULL. */
  void (*close)(void *state);

  /* Reads one input and emits its observations. Worker thread. in, host and
   * ctx are borrowed until return. OK when the whole input was read; FAIL
   * with err (line, col, field, expected, found) when the input is bad;
   * RETRY only for a transient cause. */
  enum dahub_outcome (*parse)(void *state, struct dahub_input *in,
                              const struct dahub_host *host,
                              struct dahub_ctx *ctx, struct dahub_error *err);

  /* Sinks. A source leaves these NULL; a sink leaves parse NULL. */
  const char *extension; /* of the file it makes: "csv", "json" */
  /* Renders summary (borrowed, read-only; see README, "The summary") into
   * out. Worker thread; no I/O but out->write. OK, or FAIL with err. */
  enum dahub_outcome (*render)(void *state, const json_t *summary,
                               struct dahub_output *out,
                               struct dahub_error *err);

  /* Sources, optional (appended; NULL or absent counts as 0). 1 when the
   * files of the feed whose state this is hold data about people, one row
   * per person or case (the mapped plugin's "cases" layout): the hub then
   * never quotes their cells and keeps no text of them (`raw`, records),
   * as for a feed marked "personal": true. Loop thread, after open(). */
  int (*personal)(const void *state);

  /* Sinks, optional (appended; NULL or absent: "summary.<extension>"). The
   * name of the file render()'s payload is written to in the version's
   * folder, such as "board-pack.html": [a-z0-9._-]+, at most 63 bytes, and
   * ending in "." extension. */
  const char *file_name;

  /* Sources, optional (appended; NULL or absent: nothing to say). Names
   * every code the feed's options give for the vocabulary, so that `dahub
   * check` judges them before any file comes: calls each() once per code,
   * with what it is for (field: "measure", "area", "service_id",
   * "dimensions" when code is a dimension's name, or "dimensions.<name>"
   * when it is a value of that dimension), the code as written, and the
   * option it is written in ("options.fixed.measure"), to place the error.
   * All three are borrowed until each() returns. Loop thread, after
   * open(), on the state it returned. */
  void (*codes)(const void *state,
                void (*each)(void *arg, const char *field, const char *code,
                             const char *path),
                void *arg);

  /* Optional (appended; NULL or absent: the hub calls open()). open() for
   * a hub that lists every problem of the options, not only the first:
   * each problem found goes to problem() (e borrowed until it returns,
   * e->field the option's path, as in open()'s err); err, state and the
   * result are open()'s. */
  int (*open_each)(const json_t *options, void **state,
                   void (*problem)(void *arg, const struct dahub_error *e),
                   void *arg, struct dahub_error *err);
};

/* Defines and exports the plugin's dahub_plugin_v1, its abi_version and
 * struct_size filled in as this header says, the rest given as designated
 * initialisers: DAHUB_PLUGIN(.name = "tally", .version = "1.0.0",
 * .kind = DAHUB_KIND_SOURCE, .open = ..., .close = ..., .parse = ...); */
#define DAHUB_PLUGIN(...)                                                      \
  __attribute__((visibility("default")))                                       \
  const struct dahub_plugin dahub_plugin_v1 = {                                \
      .abi_version = DAHUB_ABI_VERSION,                                        \
      .struct_size = sizeof(struct dahub_plugin),                              \
      __VA_ARGS__}

#endif
