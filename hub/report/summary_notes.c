/*
 * summary_notes.c: the summary's data notes: what the partners' files said
 * that the figures could not (summary_int.h).
 *
 * A stored file keeps its warnings with its ingest (store_warnings.c): a
 * text cell its mapping left out, a text read as missing, a TOTAL that
 * does not add up, a row a label left out. The notes list, per feed, those
 * of the files the period's figures come from (current ones: a corrected
 * file's warnings are moot), each with the file and its place (row and
 * column, and the cell as a spreadsheet names it, "C7") and the warning's
 * words; completeness counts the cells they name ("reported, 1 cell not
 * usable").
 *
 * The words are the plugin's, and a plugin never quotes a cell in them
 * (dahub/plugin.h); but a warning may give figures, such as what the parts
 * of a TOTAL add up to, and no figure reaches the board without disclosure
 * control. So every figure in a warning is left out here ("…"), and with
 * it anything written in digits alone (a date, "18-24"); digits that are
 * part of a word (Q1, FY2024-25-Q1, E07000129) are not figures and stay.
 * The data lead finds the whole warning in done/<file>.warnings.json.
 *
 * A feed's list is bounded like a file's (NOTES_PER_FEED); beyond it, and
 * beyond what each file kept, only how many ("not_listed"). The notes of a
 * period with no warnings are an empty array, which summary.c leaves out of
 * the document, so a summary without warnings is what it was before them.
 */
#include <errno.h>
#include <string.h>

#include "dahub/xlsx.h"
#include "summary_int.h"

#define NOTES_PER_FEED 100
#define FIGURE_LEFT_OUT "\xE2\x80\xA6" /* "…" */

static int is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int is_alnum(char c) { return is_alpha(c) || is_digit(c); }

/* One of the marks that join the parts of a word or a number: "FY2024-25",
 * "2023/24", "1,127", "32.4". */
static int is_joiner(char c) {
  return c == '-' || c == '/' || c == ',' || c == '.';
}

/* msg into out (n bytes) with every figure in it left out: a word made of
 * digits alone and the marks that join them ("1,127", "32.4", "2024-07-01",
 * "18-24"). A word with a letter in it ("Q1", "FY2024-25-Q1", "E07000129")
 * is no figure and stays. */
static void without_figures(const char *msg, char *out, size_t n) {
  size_t o = 0, i = 0, len = strlen(msg);

  while (i < len && o + 4 < n) {
    size_t end = i;
    int letters = 0;

    if (!is_alnum(msg[i])) {
      out[o++] = msg[i++];
      continue;
    }
    while (end < len && (is_alnum(msg[end]) ||
                         (is_joiner(msg[end]) && is_alnum(msg[end - 1]) &&
                          is_alnum(msg[end + 1]))))
      letters |= is_alpha(msg[end++]);
    if (!letters) {
      memcpy(out + o, FIGURE_LEFT_OUT, 3);
      o += 3;
    } else {
      size_t k = end - i < n - o - 1 ? end - i : n - o - 1;

      memcpy(out + o, msg + i, k);
      o += k;
    }
    i = end;
  }
  out[o] = '\0';
}

struct notes {
  const struct build *b;
  json_t *list;   /* the notes: one entry per feed, in the store's order */
  json_t *feed;   /* the entry of the feed being read, or NULL */
  int64_t ingest; /* the last ingest noted: one row per period of it */
};

/* The entry of w's feed, made when its first file is noted. */
static json_t *feed_entry(struct notes *n, const struct store_warned *w) {
  const char *name = json_string_value(json_object_get(n->feed, "feed"));

  if (n->feed != NULL && strcmp(name, w->feed) == 0)
    return n->feed;
  n->feed = json_pack("{s:s, s:s, s:i, s:[]}", "feed", w->feed, "source_id",
                      w->source_id, "warning_count", 0, "warnings");
  if (n->feed == NULL || json_array_append_new(n->list, n->feed) != 0)
    return n->feed = NULL;
  return n->feed;
}

/* Adds k to the entry's count of key. */
static int add_count(json_t *entry, const char *key, json_int_t k) {
  if (k == 0)
    return 0;
  return json_object_set_new(
      entry, key,
      json_integer(json_integer_value(json_object_get(entry, key)) + k));
}

/* One file's warnings into its feed's entry: each kept one with the file
 * and its words without figures, up to the feed's bound. */
static int note_file(json_t *entry, const struct store_warned *w) {
  json_t *warnings = json_object_get(entry, "warnings"), *kept, *x;
  json_error_t je;
  json_int_t left = (json_int_t)w->count;
  size_t i;

  if ((kept = json_loads(w->kept ? w->kept : "[]", 0, &je)) == NULL)
    return -EBADMSG;
  json_array_foreach(kept, i, x) {
    char words[2 * sizeof(((struct dahub_error *)0)->msg)], cell[24] = "";
    const char *msg = json_string_value(json_object_get(x, "message"));
    json_int_t line = json_integer_value(json_object_get(x, "line"));
    json_int_t col = json_integer_value(json_object_get(x, "column"));
    json_t *note;

    if (json_array_size(warnings) == NOTES_PER_FEED)
      break;
    /* the cell as the spreadsheet names it: "C7" */
    if (line > 0 && col > 0 && line <= UINT32_MAX && col <= UINT32_MAX)
      dahub_xlsx_ref(cell, sizeof cell, (uint32_t)line, (uint32_t)col);
    else
      line = col = 0;
    without_figures(msg != NULL ? msg : "", words, sizeof words);
    note = json_pack("{s:s}", "file", w->file_name);
    if (note == NULL ||
        (json_object_get(x, "line") != NULL &&
         json_object_set(note, "line", json_object_get(x, "line")) != 0) ||
        (json_object_get(x, "column") != NULL &&
         json_object_set(note, "column", json_object_get(x, "column")) != 0) ||
        (line > 0 && col > 0 &&
         json_object_set_new(note, "cell", json_string(cell)) != 0) ||
        json_object_set_new(note, "message", json_string(words)) != 0 ||
        json_array_append_new(warnings, note) != 0) {
      json_decref(kept);
      return -ENOMEM;
    }
    left--;
  }
  json_decref(kept);
  if (add_count(entry, "warning_count", (json_int_t)w->count) != 0 ||
      add_count(entry, "not_listed", left) != 0 ||
      add_count(entry, "cells", (json_int_t)w->cells) != 0)
    return -ENOMEM;
  return 0;
}

static int on_warned(void *arg, const struct store_warned *w) {
  struct notes *n = arg;
  struct dahub_period p;
  json_t *entry;

  if (w->ingest_id == n->ingest ||
      !summary_within(&n->b->period, w->period, &p))
    return 0; /* a file already noted, or figures of another period */
  n->ingest = w->ingest_id;
  if ((entry = feed_entry(n, w)) == NULL)
    return -ENOMEM;
  return note_file(entry, w);
}

/* "cells_not_usable" on each feed of comp whose notes name cells; the
 * count leaves the notes, where it was only kept for this. */
static int count_cells(json_t *list, json_t *comp) {
  json_t *entry, *c;
  size_t i, j;

  json_array_foreach(list, i, entry) {
    json_t *cells = json_object_get(entry, "cells");
    const char *feed = json_string_value(json_object_get(entry, "feed"));

    json_array_foreach(comp, j, c) {
      if (cells == NULL ||
          strcmp(json_string_value(json_object_get(c, "feed")), feed) != 0)
        continue;
      if (json_object_set(c, "cells_not_usable", cells) != 0)
        return -ENOMEM;
    }
    (void)json_object_del(entry, "cells");
  }
  return 0;
}

int summary_notes(const struct build *b, json_t *comp, json_t **out,
                  struct dahub_error *err) {
  struct dahub_period fy = {.fy = b->period.fy, .kind = DAHUB_PERIOD_YEAR};
  struct notes n = {.b = b, .list = json_array()};
  char prefix[DAHUB_PERIOD_ID_MAX];
  int rc;

  *out = NULL;
  if (n.list == NULL)
    return -ENOMEM;
  dahub_period_format(&fy, prefix);
  rc = store_each_warned(b->env->store, prefix, on_warned, &n, err);
  if (rc == -EBADMSG)
    rc = dahub_error_set(err, -EBADMSG, 0, 0,
                         "summary: the stored warnings of an ingest are not "
                         "JSON");
  if (rc == 0)
    rc = count_cells(n.list, comp);
  if (rc != 0) {
    json_decref(n.list);
    return rc;
  }
  *out = n.list;
  return 0;
}
