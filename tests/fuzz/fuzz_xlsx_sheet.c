/*
 * fuzz_xlsx_sheet.c: the XLSX reader's sheet XML (hub/lib/xlsx_sheet.c,
 * xlsx_merge.c, xlsx_date.c).
 *
 * The input is the sheet's part, put into a valid workbook whose styles
 * make cell formats 1 and 2 dates and whose shared strings hold three
 * strings, so rows, cells, types, dates and merged ranges are all reached.
 */
#include "xlsx_fuzz.h"

static const char sst[] = "<sst><si><t>Blaby</t></si><si><r><t>Mel</t></r>"
                          "<r><t>ton</t></r></si><si><t></t></si></sst>";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *book;
  size_t len;

  if (xlsx_fuzz_book(data, size, sst, sizeof sst - 1, &book, &len) != 0)
    return 0;
  xlsx_fuzz_read(book, len);
  free(book);
  return 0;
}
