/*
 * mapped_open.c: one mapping read from a feed's options (mapped_open.h),
 * section by section: what every layout shares (mapping.c), the layout's
 * own (figures.c, cases_options.c, jsondoc_options.c), the labels
 * (labels.c), records (records.c), then what must hold of the whole.
 * With mapped.c, the only file that knows every layout.
 */
#include "mapped_open.h"

#include "cases.h"
#include "figures.h"
#include "jsondoc.h"
#include "labels.h"
#include "records.h"

void mapped_options_free(struct mapping *m) {
  if (m == NULL)
    return;
  records_options_free(m->records);
  cases_options_free(m->cases);
  jsondoc_options_free(m->json);
  mapping_free(m);
}

int mapped_open_one(const json_t *o, const struct opt_say *say,
                    struct mapping **out, struct dahub_error *err) {
  struct map_reading rd;
  struct mapping *m = NULL;
  const json_t *v;
  unsigned said;

  *out = NULL;
  map_reading_init(&rd, say, err);
  mapping_new(o, &rd, &m);
  if (m == NULL)
    return rd.rc;
  /* the cases, json and records sections look fields up: not while a
   * section giving them has a problem (they would say the same again) */
  said = rd.said;
  switch (m->layout) {
  case MAP_CASES:
    v = json_object_get(o, "cases");
    if (!rd.fields_cut && map_reading_go(&rd, v, 0))
      map_reading_done(&rd, cases_options(m, v, map_reading_err(&rd)), said);
    break;
  case MAP_JSON:
    v = json_object_get(o, "json");
    if (!rd.fields_cut && map_reading_go(&rd, v, 0))
      map_reading_done(&rd, jsondoc_options(m, v, map_reading_err(&rd)), said);
    break;
  default:
    if (map_reading_go(&rd, NULL, 1)) {
      int rc = figures_options(m, o, map_reading_err(&rd));

      map_reading_done(&rd, rc, said);
      rd.fields_cut |= rc != 0; /* "across" gives a field */
    }
    break;
  }
  /* a field's source may be what a problem above left out */
  said = rd.said;
  if (rd.rc == 0)
    map_reading_done(&rd,
                     labels_options(m, json_object_get(o, "values"),
                                    json_object_get(o, "unknown"), err),
                     said);
  said = rd.said;
  if ((v = json_object_get(o, "records")) != NULL && !rd.fields_cut &&
      map_reading_go(&rd, v, 0))
    map_reading_done(&rd, records_options(m, v, map_reading_err(&rd)), said);
  /* rules over the whole mapping: only once every part of it was read */
  said = rd.said;
  if (rd.rc == 0)
    map_reading_done(&rd, mapping_check(m, err), said);
  said = rd.said;
  if (rd.rc == 0 && (m->layout == MAP_LONG || m->layout == MAP_WIDE))
    map_reading_done(&rd, figures_check(m, err), said);
  if (rd.rc != 0) {
    mapped_options_free(m);
    return rd.rc;
  }
  m->say = NULL; /* the caller's, for open() only */
  *out = m;
  return 0;
}
