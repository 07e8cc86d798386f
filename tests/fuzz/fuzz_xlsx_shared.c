/*
 * fuzz_xlsx_shared.c: the XLSX reader's shared strings (hub/lib/xlsx_book.c).
 *
 * The input is the shared-string part, put into a valid workbook whose
 * sheet points at strings 0 to 7, so every string read is handed out.
 */
#include "xlsx_fuzz.h"

static const char sheet[] =
    "<worksheet><sheetData><row r=\"1\"><c t=\"s\"><v>0</v></c><c t=\"s\"><v>"
    "1</v></c><c t=\"s\"><v>2</v></c><c t=\"s\"><v>3</v></c></row><row><c "
    "t=\"s\"><v>4</v></c><c t=\"s\"><v>5</v></c><c t=\"s\"><v>6</v></c><c "
    "t=\"s\"><v>7</v></c></row></sheetData></worksheet>";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *book;
  size_t len;

  if (xlsx_fuzz_book(sheet, sizeof sheet - 1, data, size, &book, &len) != 0)
    return 0;
  xlsx_fuzz_read(book, len);
  free(book);
  return 0;
}
