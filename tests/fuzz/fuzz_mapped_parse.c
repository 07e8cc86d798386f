/*
 * fuzz_mapped_parse.c: the mapped plugin's parse() (plugins/mapped), through
 * its public descriptor dahub_plugin_v1 and the fake host.
 *
 * The input is a partner file. It goes through three realistic mappings,
 * each served differently:
 *  - Freeva's wide return, as conf/feeds.d/freeva.json maps it: in chunks
 *    of 1..64 bytes;
 *  - a long return (one value per row: periods as partners write them,
 *    labels, dimensions, fill-down, footer, period notes): whole reads,
 *    a 256-byte line limit, and for some inputs the hub stops the file;
 *  - WALL's semicolon, decimal-comma, Windows-1252 return: 1..7 bytes;
 *  - two shapes, a long CSV or a wide UTF-16 grid with tabs, the file read
 *    again from the start with the shape that fits: 1..13 bytes.
 * The mappings are opened once and closed at exit.
 */
#include <stdlib.h>

#include "dahub/plugin.h"
#include "fake_host.h"
#include "fuzz.h"

extern const struct dahub_plugin dahub_plugin_v1;

static const char *const mappings[] = {
    /* conf/feeds.d/freeva.json, as of commit 0f7464f */
    "{\"header\": {\"match\": \"Service\"}, \"layout\": \"wide\","
    " \"cells\": {\"period\": {\"row\": 2, \"col\": 2}},"
    " \"columns\": {\"service_id\": \"Service\", \"measure\": \"Measure\"},"
    " \"fill_down\": [\"Service\"], \"skip_if_blank\": [\"Measure\"],"
    " \"footer\": {\"match\": [\"Notes:\", \"Note:\"]},"
    " \"values\": {"
    "  \"service_id\": {"
    "   \"Helpline support for male victims\": \"freeva.male_helpline\","
    "   \"BAME advisor\": \"freeva.bame_advisor\","
    "   \"Counselling service for adults\": \"freeva.adult_counselling\","
    "   \"Counselling service for young people\": \"freeva.yp_counselling\"},"
    "  \"measure\": {"
    "   \"Calls, texts and emails handled\": \"helpline_contacts\","
    "   \"Individual men supported\": \"individuals_supported\","
    "   \"Referred on (IDVA, ADAM Project, housing)\": \"referrals_onward\","
    "   \"Referrals received\": \"referrals_received\","
    "   \"Individuals supported\": \"individuals_supported\","
    "   \"Clients starting counselling\": \"cases_opened\","
    "   \"Young people starting counselling\": \"cases_opened\","
    "   \"Sessions delivered\": \"sessions_delivered\"}},"
    " \"across\": {\"field\": \"area\", \"columns\": {"
    "  \"Blaby\": \"E07000129\", \"Charnwood\": \"E07000130\","
    "  \"Harborough\": \"E07000131\", \"Hinckley & Bosworth\": \"E07000132\","
    "  \"Melton\": \"E07000133\", \"NW Leics\": \"E07000134\","
    "  \"Oadby & Wigston\": \"E07000135\","
    "  \"Out of county / unknown\": \"X_UNKNOWN\"}}}",
    /* A long return. */
    "{\"layout\": \"long\", \"header\": {\"row\": 2},"
    " \"cells\": {\"dimensions\": {\"lot\": {\"row\": 1, \"col\": 2}}},"
    " \"columns\": {\"area\": \"Area\", \"period\": \"Quarter\","
    "  \"service_id\": \"Service\", \"measure\": \"Measure\","
    "  \"value\": \"Count\","
    "  \"dimensions\": {\"gender\": \"Gender\", \"age_band\": \"Age band\"}},"
    " \"values\": {"
    "  \"measure\": {\"Referrals received\": \"referrals_received\","
    "   \"Individuals supported\": \"individuals_supported\","
    "   \"Calls handled\": \"helpline_contacts\"},"
    "  \"gender\": {\"F\": \"female\", \"Female\": \"female\", \"M\": \"male\","
    "   \"Male\": \"male\", \"\": \"not_recorded\"}},"
    " \"unknown\": {\"measure\": \"skip\"},"
    " \"fill_down\": [\"Area\", \"Quarter\"],"
    " \"skip_if_blank\": [\"Measure\"],"
    " \"footer\": {\"match\": [\"Notes:\", \"Total\"]},"
    " \"period_notes\": {\"Q1+Q2\": \"H1\", \"Q3+Q4\": \"H2\","
    "  \"year\": \"FY\", \"April\": \"M01\"}}",
    /* WALL's safe accommodation return. */
    "{\"layout\": \"wide\", \"delimiter\": \";\","
    " \"encoding\": \"windows-1252\", \"decimal_comma\": true,"
    " \"header\": {\"match\": \"Measure\"},"
    " \"cells\": {\"period\": {\"row\": 2, \"col\": 2}},"
    " \"fixed\": {\"area\": \"E10000018\","
    "  \"service_id\": \"wall.safe_accommodation\"},"
    " \"columns\": {\"measure\": \"Measure\"},"
    " \"across\": {\"field\": \"accommodation\", \"columns\": {"
    "  \"Refuge\": \"refuge\", \"Dispersed units\": \"dispersed\","
    "  \"Male (Lot 2)\": \"male_lot2\"}},"
    " \"values\": {\"measure\": {"
    "  \"Bedspaces available at 30/09/2024\": \"bedspaces_available\","
    "  \"Households supported in quarter\": \"households_supported\","
    "  \"of which new admissions\": \"admissions\","
    "  \"Individuals supported - women\": \"individuals_supported\","
    "  \"Average length of stay (days)\": \"average_stay_days\"}},"
    " \"unknown\": {\"measure\": \"skip\"},"
    " \"footer\": {\"match\": [\"Note:\"]}}",
    /* Two shapes of one partner's return. */
    "{\"shapes\": [{\"name\": \"long\", \"layout\": \"long\","
    " \"header\": {\"match\": \"Area\"}, \"columns\": {\"area\": \"Area\","
    " \"period\": \"Quarter\", \"value\": \"Count\"},"
    " \"fixed\": {\"measure\": \"helpline_contacts\"}},"
    " {\"layout\": \"wide\", \"delimiter\": \"\\t\", \"encoding\": \"utf-16\","
    " \"header\": {\"row\": 2}, \"cells\": {\"period\": \"B1\"},"
    " \"fixed\": {\"measure\": \"helpline_contacts\"},"
    " \"across\": {\"field\": \"area\", \"columns\": {\"Blaby\":"
    " \"E07000129\", \"Charnwood\": \"E07000130\"}}}]}",
};
#define N_MAPPINGS (sizeof mappings / sizeof *mappings)

static void *states[N_MAPPINGS];

static void close_mappings(void) {
  for (size_t i = 0; i < N_MAPPINGS; i++)
    dahub_plugin_v1.close(states[i]);
}

static void open_mappings(void) {
  struct dahub_error err;
  json_error_t jerr;

  for (size_t i = 0; i < N_MAPPINGS; i++) {
    json_t *o = json_loads(mappings[i], JSON_REJECT_DUPLICATES, &jerr);

    fuzz_check(o != NULL, "a fixed mapping is JSON");
    fuzz_check(dahub_plugin_v1.open(o, &states[i], &err) == 0,
               "a fixed mapping opens");
    json_decref(o);
  }
  fuzz_check(atexit(close_mappings) == 0, "atexit");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int opened;
  struct dahub_ctx ctx;
  uint32_t h = fake_hash(data, size);

  if (!opened) {
    open_mappings();
    opened = 1;
  }
  ctx = (struct dahub_ctx){.count_only = 1, .period_ids = 1};
  (void)fake_parse(&dahub_plugin_v1, states[0], &ctx, data, size, 64, h, 0);

  ctx = (struct dahub_ctx){
      .count_only = 1, .period_ids = 1, .stop_at = h % 4 == 0 ? 3 : 0};
  (void)fake_parse(&dahub_plugin_v1, states[1], &ctx, data, size, 0, h, 256);

  ctx = (struct dahub_ctx){.count_only = 1, .period_ids = 1};
  (void)fake_parse(&dahub_plugin_v1, states[2], &ctx, data, size, 7, h >> 8, 0);

  ctx = (struct dahub_ctx){.count_only = 1, .period_ids = 1};
  (void)fake_parse(&dahub_plugin_v1, states[3], &ctx, data, size, 13, h >> 4,
                   0);
  return 0;
}
