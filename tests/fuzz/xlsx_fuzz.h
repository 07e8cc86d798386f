/*
 * xlsx_fuzz.h: what the XLSX reader's fuzz targets share.
 *
 * xlsx_fuzz_book() puts a sheet and shared strings into a small workbook,
 * stored (not deflated) in a zip built in memory with libzip, so a target
 * can fuzz one XML part while the container stays valid. xlsx_fuzz_read()
 * reads a workbook to its end with small limits and checks what every row
 * and error must be.
 */
#ifndef DAHUB_XLSX_FUZZ_H
#define DAHUB_XLSX_FUZZ_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "dahub/xlsx.h"
#include "fuzz.h"

static const char xlsx_fuzz_workbook[] =
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/"
    "main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships\"><workbookPr date1904=\"0\"/><sheets><sheet name=\"Q1\" "
    "sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char xlsx_fuzz_rels[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/"
    "relationships\"><Relationship Id=\"rId1\" Target=\"worksheets/"
    "sheet1.xml\" Type=\"http://x/worksheet\"/><Relationship Id=\"rId2\" "
    "Target=\"/xl/styles.xml\" Type=\"http://x/styles\"/><Relationship "
    "Id=\"rId3\" Target=\"sharedStrings.xml\" "
    "Type=\"http://x/sharedStrings\"/></Relationships>";
static const char xlsx_fuzz_styles[] =
    "<styleSheet><numFmts><numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd\"/>"
    "</numFmts><cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf "
    "numFmtId=\"164\"/></cellXfs></styleSheet>";

static inline int xlsx_fuzz_add(zip_t *za, const char *name, const void *data,
                                size_t len) {
  zip_source_t *s = zip_source_buffer(za, data, len, 0);
  zip_int64_t i;

  if (s == NULL)
    return -1;
  if ((i = zip_file_add(za, name, s, ZIP_FL_OVERWRITE)) < 0) {
    zip_source_free(s);
    return -1;
  }
  return zip_set_file_compression(za, (zip_uint64_t)i, ZIP_CM_STORE, 0);
}

/* OUT: *out, freed by the caller with free(). 0, or -1. */
static inline int xlsx_fuzz_book(const void *sheet, size_t sheet_len,
                                 const void *sst, size_t sst_len, uint8_t **out,
                                 size_t *len) {
  zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, NULL);
  zip_t *za;
  zip_int64_t n;
  int rc = -1;

  *out = NULL;
  if (src == NULL)
    return -1;
  zip_source_keep(src); /* still ours after zip_close */
  if ((za = zip_open_from_source(src, ZIP_TRUNCATE, NULL)) == NULL) {
    zip_source_free(src); /* not taken: drop the reference keep added */
    goto out;
  }
  if (xlsx_fuzz_add(za, "xl/workbook.xml", xlsx_fuzz_workbook,
                    sizeof xlsx_fuzz_workbook - 1) != 0 ||
      xlsx_fuzz_add(za, "xl/_rels/workbook.xml.rels", xlsx_fuzz_rels,
                    sizeof xlsx_fuzz_rels - 1) != 0 ||
      xlsx_fuzz_add(za, "xl/styles.xml", xlsx_fuzz_styles,
                    sizeof xlsx_fuzz_styles - 1) != 0 ||
      xlsx_fuzz_add(za, "xl/sharedStrings.xml", sst, sst_len) != 0 ||
      xlsx_fuzz_add(za, "xl/worksheets/sheet1.xml", sheet, sheet_len) != 0 ||
      zip_close(za) != 0) {
    zip_discard(za);
    goto out;
  }
  if (zip_source_open(src) != 0)
    goto out;
  if (zip_source_seek(src, 0, SEEK_END) == 0 &&
      (n = zip_source_tell(src)) > 0 &&
      zip_source_seek(src, 0, SEEK_SET) == 0 &&
      (*out = malloc((size_t)n)) != NULL &&
      zip_source_read(src, *out, (zip_uint64_t)n) == n) {
    *len = (size_t)n;
    rc = 0;
  }
  (void)zip_source_close(src);
out:
  zip_source_free(src);
  if (rc != 0) {
    free(*out);
    *out = NULL;
  }
  return rc;
}

/* Reads the workbook to its end; any outcome but a broken invariant. */
static inline void xlsx_fuzz_read(const uint8_t *data, size_t len) {
  struct dahub_xlsx_options opt;
  struct dahub_xlsx *x = NULL;
  struct dahub_xlsx_row row;
  struct dahub_error err;
  uint32_t last = 0;
  int rc;

  dahub_xlsx_options_init(&opt);
  opt.max_expanded = 4u << 20;
  opt.max_shared = 1u << 16;
  opt.max_columns = 64;
  opt.max_row_bytes = 4096;
  opt.max_merges = 64;
  rc = dahub_xlsx_open(&opt, data, len, &x, &err);
  fuzz_check(rc == 0 ? x != NULL : x == NULL, "open: reader iff 0");
  fuzz_check(rc == 0 || rc == -EILSEQ || rc == -EMSGSIZE || rc == -ENOENT ||
                 rc == -ENOMEM,
             "open: a documented code");
  if (rc != 0)
    return;
  while ((rc = dahub_xlsx_next(x, &row, &err)) == 1) {
    fuzz_check(row.row > last && row.row <= 1048576, "rows rise");
    fuzz_check(row.n <= opt.max_columns, "columns within the limit");
    for (size_t i = 0; i < row.n; i++) {
      fuzz_check(strlen(row.cell[i].text) == row.cell[i].len, "len is text");
      fuzz_check(row.cell[i].type != DAHUB_XLSX_BLANK || row.cell[i].len == 0,
                 "blank is empty");
    }
    last = row.row;
  }
  fuzz_check(rc == 0 || rc == -EILSEQ || rc == -EMSGSIZE || rc == -ENOMEM,
             "next: a documented code");
  if (rc < 0) {
    struct dahub_error again;

    fuzz_check(dahub_xlsx_next(x, &row, &again) == rc, "errors are sticky");
    fuzz_check(strcmp(again.msg, err.msg) == 0, "the same message");
  }
  dahub_xlsx_free(x);
}

#endif
