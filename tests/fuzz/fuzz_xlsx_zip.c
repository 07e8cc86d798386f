/*
 * fuzz_xlsx_zip.c: the XLSX reader (hub/lib/xlsx*.c) from the file's bytes.
 *
 * The input is the whole file: the zip container, its directory and every
 * part, as a partner's upload would be. Seeds are small workbooks openpyxl
 * made (tests/unit/xlsx/make_xlsx.py).
 */
#include "xlsx_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  xlsx_fuzz_read(data, size);
  return 0;
}
