/*
 * fuzz_mapping.c: the mapping-config parser, the mapped plugin's open()
 * (plugins/mapped/mapping.c), through dahub_plugin_v1.
 *
 * The input is a feed's "options" as JSON (parsed as the hub parses feed
 * files, duplicates refused; a top-level null is passed as NULL, as for a
 * feed without options). A mapping that opens must then parse two small
 * fixed files, wide and long, without a crash, and name its codes for
 * `dahub check` (each a text, with a field and an option's path); one that
 * does not must say why and leave no state.
 */
#include <errno.h>
#include <string.h>

#include "dahub/plugin.h"
#include "fake_host.h"
#include "fuzz.h"

extern const struct dahub_plugin dahub_plugin_v1;

static const char wide_file[] =
    "\xEF\xBB\xBF"
    "FREEVA - Quarterly Monitoring Return,,,,\r\n"
    "Quarter:,Q1 2024/25 (1 April 2024 - 30 June 2024),,,\r\n"
    ",,,,\r\n"
    "Service,Measure,Blaby,Charnwood,NW Leics,TOTAL\r\n"
    "Helpline support for male victims,\"Calls, texts and emails handled\","
    "14,31,<5,50\r\n"
    ",Individual men supported,7,15,*,22\r\n"
    "BAME advisor,Referrals received,6,,approx. 19,25\r\n"
    ",,,,\r\n"
    "Notes:,\"Figures under 5 suppressed as \"\"<5\"\"\",,,\r\n";

static const char long_file[] =
    "Return,generic\n"
    "Area,Quarter,Service,Measure,Gender,Age band,Count\n"
    "Blaby,Q1 2024/25,helpline,Calls handled,F,25-34,3\n"
    ",,helpline,Referrals received,M,35-44,<5\n"
    "Melton,2024/25,counselling,Individuals supported,,18-24,86 (Q1+Q2)\n"
    "NW Leics,Jul-Sep 2024,outreach,Sessions,Female,,\"\xC2\xA3"
    "1,200\"\n"
    "Rutland,FY2024-25-Q3,outreach,Calls handled,M,,~12\n"
    "Notes:,x\n";

/* Each code codes() names: non-empty texts, paths into the options. */
static void each_code(void *arg, const char *field, const char *code,
                      const char *path) {
  (void)arg;
  fuzz_check(field != NULL && field[0] != '\0', "a code has a field");
  fuzz_check(code != NULL, "a code is a text");
  fuzz_check(path != NULL && strncmp(path, "options.", 8) == 0,
             "a code is placed in the options");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct dahub_error err;
  struct dahub_ctx ctx;
  json_error_t jerr;
  json_t *o;
  void *state = (void *)&err; /* open() must set it either way */
  int rc;

  o = json_loadb((const char *)data, size,
                 JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
  if (o == NULL)
    return 0;
  memset(&err, 0, sizeof err);
  rc = dahub_plugin_v1.open(json_is_null(o) ? NULL : o, &state, &err);
  json_decref(o);
  if (rc != 0) {
    fuzz_check(rc == -EINVAL, "a bad mapping is -EINVAL");
    fuzz_check(state == NULL, "a bad mapping leaves no state");
    fuzz_check(err.msg[0] != '\0', "a bad mapping says why");
    return 0;
  }
  fuzz_check(state != NULL, "a mapping that opens has a state");
  dahub_plugin_v1.codes(state, each_code, NULL);
  ctx = (struct dahub_ctx){.count_only = 1};
  (void)fake_parse(&dahub_plugin_v1, state, &ctx, (const uint8_t *)wide_file,
                   sizeof wide_file - 1, 5, (uint32_t)size, 0);
  ctx = (struct dahub_ctx){.count_only = 1};
  (void)fake_parse(&dahub_plugin_v1, state, &ctx, (const uint8_t *)long_file,
                   sizeof long_file - 1, 0, 1, 64);
  dahub_plugin_v1.close(state);
  return 0;
}
