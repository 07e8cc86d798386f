/*
 * xlsx_read.c: reads every cell of an .xlsx sheet, for the benchmark.
 *
 * Usage: dahub_xlsx_read FILE. Reads the file whole (as the mapped plugin
 * will have it from the hub), streams its first sheet through the XLSX
 * reader and prints "rows R cells C", so xlsx_bench.py can time it against
 * openpyxl and check both saw the same sheet, then "hwm KIB", its peak RSS
 * (VmHWM: the rusage of a child counts the memory of the Python process it
 * was forked from). Exit 0, or 1 with the error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dahub/xlsx.h"

/* This process's peak RSS in KiB, or 0 if /proc does not say. */
static unsigned long hwm(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  unsigned long kib = 0;

  if (f == NULL)
    return 0;
  while (fgets(line, sizeof line, f) != NULL)
    if (strncmp(line, "VmHWM:", 6) == 0)
      kib = strtoul(line + 6, NULL, 10);
  (void)fclose(f); /* read only */
  return kib;
}

int main(int argc, char **argv) {
  struct dahub_xlsx_options opt;
  struct dahub_xlsx *x = NULL;
  struct dahub_xlsx_row row;
  struct dahub_error err = {0};
  unsigned long long rows = 0, cells = 0;
  char *data = NULL;
  long len;
  FILE *f;
  int rc = -1;

  if (argc != 2 || (f = fopen(argv[1], "rb")) == NULL) {
    fprintf(stderr, "usage: dahub_xlsx_read FILE\n");
    return 2;
  }
  if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 &&
      fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)len)) != NULL &&
      fread(data, 1, (size_t)len, f) == (size_t)len)
    rc = 0;
  (void)fclose(f); /* read only */
  if (rc != 0) {
    fprintf(stderr, "%s: cannot be read\n", argv[1]);
    free(data);
    return 1;
  }
  dahub_xlsx_options_init(&opt);
  if ((rc = dahub_xlsx_open(&opt, data, (size_t)len, &x, &err)) == 0) {
    while ((rc = dahub_xlsx_next(x, &row, &err)) == 1) {
      rows++;
      for (size_t i = 0; i < row.n; i++)
        cells += row.cell[i].type != DAHUB_XLSX_BLANK;
    }
  }
  if (rc < 0)
    fprintf(stderr, "%s: %s\n", argv[1], err.msg);
  else
    printf("rows %llu cells %llu\nhwm %lu\n", rows, cells, hwm());
  dahub_xlsx_free(x);
  free(data);
  return rc < 0;
}
