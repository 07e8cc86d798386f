/*
 * xlsx_dump.c: prints a sheet as the XLSX reader sees it, for the tests.
 *
 * Usage: xlsx_dump [-s SHEET | -n NUMBER] [-e MAX_EXPANDED] [-c] FILE
 * Default: one line per row, "ROW<TAB>TYPE:TEXT<TAB>..." (types b n t B e
 * d for blank, number, text, bool, error, date). With -c: CSV as xlsx2csv
 * writes it (quoted when needed, rows the sheet leaves out as empty lines),
 * so crosscheck.py can compare the two. Exit 0, or 1 with the error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dahub/xlsx.h"

static int slurp(const char *path, char **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  long n;
  int rc = -EIO;

  if (f == NULL)
    return -errno;
  if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
      fseek(f, 0, SEEK_SET) != 0)
    goto out;
  if ((buf = malloc((size_t)n + 1)) == NULL) {
    rc = -ENOMEM;
    goto out;
  }
  if (fread(buf, 1, (size_t)n, f) != (size_t)n)
    goto out;
  *out = buf;
  *len = (size_t)n;
  buf = NULL;
  rc = 0;
out:
  free(buf);
  (void)fclose(f); /* read only */
  return rc;
}

static void csv_cell(const struct dahub_xlsx_cell *c) {
  if (strpbrk(c->text, ",\"\n\r") == NULL) {
    fputs(c->text, stdout);
    return;
  }
  putchar('"');
  for (const char *p = c->text; *p != '\0'; p++) {
    if (*p == '"')
      putchar('"');
    putchar(*p);
  }
  putchar('"');
}

int main(int argc, char **argv) {
  struct dahub_xlsx_options opt;
  struct dahub_xlsx *x = NULL;
  struct dahub_xlsx_row row;
  struct dahub_error err = {0};
  char *data = NULL;
  size_t len = 0;
  uint32_t last = 0;
  int csv = 0, o, rc;

  dahub_xlsx_options_init(&opt);
  while ((o = getopt(argc, argv, "s:n:e:c")) != -1) {
    if (o == 's')
      opt.sheet = optarg;
    else if (o == 'n')
      opt.sheet_number = (uint32_t)strtoul(optarg, NULL, 10);
    else if (o == 'e')
      opt.max_expanded = strtoull(optarg, NULL, 10);
    else if (o == 'c')
      csv = 1;
    else
      return 2;
  }
  if (optind + 1 != argc) {
    fprintf(stderr, "usage: xlsx_dump [-s SHEET | -n NUMBER] "
                    "[-e MAX_EXPANDED] [-c] FILE\n");
    return 2;
  }
  if ((rc = slurp(argv[optind], &data, &len)) != 0) {
    fprintf(stderr, "%s: %s\n", argv[optind], strerror(-rc));
    return 1;
  }
  if ((rc = dahub_xlsx_open(&opt, data, len, &x, &err)) == 0) {
    while ((rc = dahub_xlsx_next(x, &row, &err)) == 1) {
      for (; csv && last + 1 < row.row; last++)
        putchar('\n');
      last = row.row;
      if (!csv)
        printf("%u", row.row);
      for (size_t i = 0; i < row.n; i++) {
        if (csv) {
          if (i > 0)
            putchar(',');
          csv_cell(&row.cell[i]);
        } else
          printf("\t%c:%s", "bntBed"[row.cell[i].type], row.cell[i].text);
      }
      putchar('\n');
    }
  }
  if (rc < 0)
    fprintf(stderr, "error %d (%u:%u): %s\n", rc, err.line, err.col, err.msg);
  dahub_xlsx_free(x);
  free(data);
  return rc < 0;
}
