/*
 * xlsx_zip.c: the zip container and the XML parser every part goes through.
 *
 * libzip reads the caller's bytes in place. The limits are checked from the
 * zip's directory before a part is inflated (entry count; the part's size
 * against what is left of max_expanded; its ratio, for parts over 1 MiB, as
 * a real sheet of numbers compresses about 10 to 30 times and a bomb a
 * thousand), and again while inflating, as a directory can lie: a part that
 * yields more than it declared is refused on the spot.
 *
 * Expat is made safe rather than trusted: a DOCTYPE is refused outright (no
 * OOXML part has one, and without it no entity can be declared, so neither
 * billion laughs nor an external entity can happen), parameter entities are
 * never parsed, and nesting is bounded by max_depth. Bytes go straight into
 * expat's own buffer (XML_GetBuffer), which stays valid while a handler has
 * paused the parse, so the sheet can be read one row per call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xlsx_int.h"

#define XLSX_CHUNK 65536
#define XLSX_RATIO_FLOOR (1u << 20)

int xlsx_zip_open(struct dahub_xlsx *x, const void *data, size_t len,
                  struct dahub_error *err) {
  zip_error_t ze;
  zip_source_t *src;
  zip_int64_t n;

  zip_error_init(&ze);
  src = zip_source_buffer_create(data, len, 0, &ze);
  if (src == NULL) {
    zip_error_fini(&ze);
    return dahub_error_set(err, -ENOMEM, 0, 0, "xlsx: out of memory");
  }
  x->za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
  if (x->za == NULL) {
    /* The source is still ours when the open fails. */
    zip_source_free(src);
    dahub_error_set(err, -EILSEQ, 0, 0,
                    "not an xlsx: the file is not a readable zip (%s)",
                    zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return -EILSEQ;
  }
  zip_error_fini(&ze);
  n = zip_get_num_entries(x->za, 0);
  if (n < 0 || (uint64_t)n > x->opt.max_entries)
    return dahub_error_set(err, -EMSGSIZE, 0, 0,
                           "xlsx: the zip holds %lld files, beyond the limit "
                           "of %u",
                           (long long)n, x->opt.max_entries);
  return 0;
}

const char *xlsx_local(const char *name) {
  const char *c = strrchr(name, ':');

  return c != NULL ? c + 1 : name;
}

const char *xlsx_attr(const char **attr, const char *name) {
  for (size_t i = 0; attr[i] != NULL; i += 2)
    if (strcmp(xlsx_local(attr[i]), name) == 0)
      return attr[i + 1];
  return NULL;
}

static void xml_stop(struct xlsx_xml *xml, int rc) {
  if (xml->rc == 0)
    xml->rc = rc;
  XML_StopParser(xml->p, XML_FALSE);
}

static void XMLCALL xml_start(void *arg, const XML_Char *name,
                              const XML_Char **attr) {
  struct xlsx_xml *xml = arg;
  int rc;

  if (++xml->depth > xml->x->opt.max_depth) {
    dahub_error_set(xml->err, -EMSGSIZE, 0, 0,
                    "%s: XML nested deeper than %u elements at line %lu",
                    xml->label, xml->x->opt.max_depth,
                    (unsigned long)XML_GetCurrentLineNumber(xml->p));
    xml_stop(xml, -EMSGSIZE);
    return;
  }
  if (xml->h.start == NULL)
    return;
  rc = xml->h.start(xml->h.arg, xlsx_local(name), attr);
  if (rc < 0)
    xml_stop(xml, rc);
  else if (rc > 0)
    XML_StopParser(xml->p, XML_TRUE);
}

static void XMLCALL xml_end(void *arg, const XML_Char *name) {
  struct xlsx_xml *xml = arg;
  int rc;

  xml->depth--;
  if (xml->h.end == NULL)
    return;
  rc = xml->h.end(xml->h.arg, xlsx_local(name));
  if (rc < 0)
    xml_stop(xml, rc);
  else if (rc > 0)
    XML_StopParser(xml->p, XML_TRUE);
}

static void XMLCALL xml_text(void *arg, const XML_Char *s, int len) {
  struct xlsx_xml *xml = arg;

  if (xml->h.text != NULL)
    xml->h.text(xml->h.arg, s, len);
}

static void XMLCALL xml_doctype(void *arg, const XML_Char *name,
                                const XML_Char *sysid, const XML_Char *pubid,
                                int has_internal) {
  struct xlsx_xml *xml = arg;

  (void)name, (void)sysid, (void)pubid, (void)has_internal;
  dahub_error_set(xml->err, -EILSEQ, 0, 0,
                  "%s: a DOCTYPE at line %lu (refused: no xlsx part has one, "
                  "and it could declare entities)",
                  xml->label, (unsigned long)XML_GetCurrentLineNumber(xml->p));
  xml_stop(xml, -EILSEQ);
}

int xlsx_xml_open(struct dahub_xlsx *x, const char *part, const char *label,
                  const struct xlsx_xml_handlers *h, struct xlsx_xml *xml,
                  struct dahub_error *err) {
  zip_stat_t st;

  memset(xml, 0, sizeof *xml);
  xml->x = x;
  xml->h = *h;
  xml->err = err;
  xml->label = label;
  zip_stat_init(&st);
  if (zip_stat(x->za, part, ZIP_FL_NOCASE, &st) != 0)
    return dahub_error_set(err, -ENOENT, 0, 0, "xlsx: the zip holds no %s",
                           part);
  if (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE))
    return dahub_error_set(err, -EILSEQ, 0, 0,
                           "%s: the zip does not say its size", label);
  /* The ratio first: it tells a bomb from a large sheet. */
  if (st.size > XLSX_RATIO_FLOOR &&
      st.size / (st.comp_size > 0 ? st.comp_size : 1) > x->opt.max_ratio)
    return dahub_error_set(
        err, -EMSGSIZE, 0, 0,
        "%s: expands %llu times, beyond the limit of %u "
        "(a zip bomb?)",
        label,
        (unsigned long long)(st.size / (st.comp_size > 0 ? st.comp_size : 1)),
        x->opt.max_ratio);
  if (st.size > x->opt.max_expanded - x->expanded)
    return dahub_error_set(err, -EMSGSIZE, 0, 0,
                           "%s: expands to %llu bytes, beyond the limit of "
                           "%llu bytes for the parts read",
                           label, (unsigned long long)st.size,
                           (unsigned long long)x->opt.max_expanded);
  x->expanded += st.size;
  xml->size = st.size;
  xml->f = zip_fopen(x->za, part, ZIP_FL_NOCASE);
  if (xml->f == NULL)
    return dahub_error_set(err, -EILSEQ, 0, 0, "%s: cannot be opened (%s)",
                           label, zip_strerror(x->za));
  xml->p = XML_ParserCreate("UTF-8");
  if (xml->p == NULL) {
    xlsx_xml_close(xml);
    return dahub_error_set(err, -ENOMEM, 0, 0, "xlsx: out of memory");
  }
  XML_SetUserData(xml->p, xml);
  XML_SetElementHandler(xml->p, xml_start, xml_end);
  XML_SetCharacterDataHandler(xml->p, xml_text);
  XML_SetStartDoctypeDeclHandler(xml->p, xml_doctype);
  XML_SetParamEntityParsing(xml->p, XML_PARAM_ENTITY_PARSING_NEVER);
  return 0;
}

/* Reads the next chunk into expat's buffer and parses it. */
static enum XML_Status xml_feed(struct xlsx_xml *xml) {
  void *buf = XML_GetBuffer(xml->p, XLSX_CHUNK);
  zip_int64_t n;

  if (buf == NULL) {
    dahub_error_set(xml->err, -ENOMEM, 0, 0, "xlsx: out of memory");
    xml->rc = -ENOMEM;
    return XML_STATUS_ERROR;
  }
  n = zip_fread(xml->f, buf, XLSX_CHUNK);
  if (n < 0) {
    dahub_error_set(xml->err, -EILSEQ, 0, 0, "%s: cannot be inflated (%s)",
                    xml->label, zip_file_strerror(xml->f));
    xml->rc = -EILSEQ;
    return XML_STATUS_ERROR;
  }
  xml->got += (uint64_t)n;
  if (xml->got > xml->size) {
    dahub_error_set(xml->err, -EMSGSIZE, 0, 0,
                    "%s: inflates to more than the %llu bytes its zip entry "
                    "declares (a zip bomb?)",
                    xml->label, (unsigned long long)xml->size);
    xml->rc = -EMSGSIZE;
    return XML_STATUS_ERROR;
  }
  if (n == 0)
    xml->state = 1;
  return XML_ParseBuffer(xml->p, (int)n, n == 0);
}

int xlsx_xml_run(struct xlsx_xml *xml, struct dahub_error *err) {
  XML_ParsingStatus ps;
  enum XML_Status s;

  xml->err = err;
  if (xml->state == 2)
    return 0;
  XML_GetParsingStatus(xml->p, &ps);
  s = ps.parsing == XML_SUSPENDED ? XML_ResumeParser(xml->p) : XML_STATUS_OK;
  while (s == XML_STATUS_OK && xml->state == 0)
    s = xml_feed(xml);
  if (s == XML_STATUS_SUSPENDED)
    return 1;
  if (s == XML_STATUS_ERROR) {
    if (xml->rc != 0)
      return xml->rc; /* a handler or a limit said why */
    return dahub_error_set(
        err, -EILSEQ, 0, 0, "%s: not well-formed XML at line %lu (%s)",
        xml->label, (unsigned long)XML_GetCurrentLineNumber(xml->p),
        XML_ErrorString(XML_GetErrorCode(xml->p)));
  }
  xml->state = 2;
  return 0;
}

void xlsx_xml_close(struct xlsx_xml *xml) {
  if (xml->p != NULL)
    XML_ParserFree(xml->p);
  if (xml->f != NULL)
    (void)zip_fclose(xml->f); /* read-only: nothing to lose */
  xml->p = NULL;
  xml->f = NULL;
}

int xlsx_xml_parse(struct dahub_xlsx *x, const char *part, const char *label,
                   const struct xlsx_xml_handlers *h, struct dahub_error *err) {
  struct xlsx_xml xml;
  int rc;

  if ((rc = xlsx_xml_open(x, part, label, h, &xml, err)) == 0) {
    do
      rc = xlsx_xml_run(&xml, err);
    while (rc == 1); /* these parts never pause; be safe if one did */
  }
  xlsx_xml_close(&xml);
  return rc;
}
