/*
 * style.c: the pack's one stylesheet, inline, so the file needs nothing
 * from anywhere: system fonts only, no url() but a chart's own pattern.
 *
 * Screen: one readable column. Print: A4 portrait, every section from a
 * new page, no chart, tile or table row split across pages, the period and
 * the page number in the footer (margin boxes, where the browser has
 * them). Text is #0B0C0C on white (contrast 19:1); the accent is the
 * Government Analysis Function's dark blue; "ending soon" and changes
 * carry words and weight as well as colour.
 */
#include "sections.h"

static const char css[] =
    "html{font-family:Arial,Helvetica,sans-serif;color:#0B0C0C;"
    "background:#FFFFFF;line-height:1.4}"
    "body{max-width:46rem;margin:0 auto;padding:1rem}"
    "h1{font-size:2rem;margin:.5rem 0}h2{font-size:1.5rem;"
    "border-bottom:3px solid #12436D;padding-bottom:.25rem}"
    "h3{font-size:1.1rem;margin:1.25rem 0 .25rem}"
    ".board{font-size:1.25rem;font-weight:bold;color:#12436D}"
    ".period{font-size:1.25rem}"
    ".subtitle,.source,.note{color:#505a5f;margin:.25rem 0}"
    ".source{font-size:.9rem}"
    "dl{display:grid;grid-template-columns:max-content auto;gap:.25rem 1rem}"
    "dt{font-weight:bold}dd{margin:0}"
    ".tiles{list-style:none;padding:0;display:grid;"
    "grid-template-columns:repeat(2,1fr);gap:1rem}"
    ".tile{border:2px solid #12436D;padding:.75rem;break-inside:avoid}"
    ".tile h3{margin:0}.figure{font-size:2rem;font-weight:bold;margin:.25rem 0}"
    ".change{margin:.1rem 0}.down,.up{font-weight:bold}"
    ".tile table{font-size:.8rem;margin:.25rem 0}svg.trend{display:block}"
    "figure{margin:1rem 0;break-inside:avoid}"
    "svg{max-width:100%;height:auto;font-size:12px;fill:#0B0C0C;"
    "break-inside:avoid}"
    "svg .tick{fill:#505a5f;font-size:11px}"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}"
    "caption{text-align:left;font-weight:bold;padding:.25rem 0}"
    "th,td{border-bottom:1px solid #B1B4B6;padding:.2rem .4rem;"
    "text-align:left;vertical-align:top}"
    ".num{text-align:right;font-variant-numeric:tabular-nums}"
    "tbody th{font-weight:normal}tr{break-inside:avoid}"
    "tr.soon{background:#FFF2CC}tr.soon th{font-weight:bold}"
    ".marker{font-weight:bold}"
    "@page{size:A4 portrait;margin:16mm 14mm}"
    "@media print{body{max-width:none;padding:0}"
    ".page{break-before:page}.cover{break-before:auto}"
    "a{color:inherit}}";

void pack_style(struct html *h, const struct doc *d) {
  char name[32];

  html_raw(h, "<style>");
  html_raw(h, css);
  /* the period's name is the pack's own words ([A-Z0-9 /] only), so it
   * can stand in a CSS string */
  if (doc_period_name(d->period_id, name, sizeof name) == 0)
    html_fmt(h,
             "@page{@bottom-left{content:\"Board pack %s\";font-size:9pt}"
             "@bottom-right{content:\"Page \" counter(page);font-size:9pt}}",
             name);
  html_raw(h, "</style>");
}
