/*
 * store_textform.h: how a stored figure keeps its partner's text, the
 * same in both backends (store_ingest.c for SQLite, pg/pgstore_ingest.c for
 * PostgreSQL): the text is kept only where the value cannot say it again.
 */
#ifndef DAHUB_STORE_TEXTFORM_H
#define DAHUB_STORE_TEXTFORM_H

#include "store.h"

/* The forms of text_form in both schemas. */
enum store_text_form {
  STORE_TEXT_NONE = 0,   /* no text was given */
  STORE_TEXT_DIGITS = 1, /* the value in plain digits: "1234" */
  STORE_TEXT_COMMAS = 2, /* the value with thousands commas: "1,234" */
  STORE_TEXT_KEPT = 3,   /* anything else, kept as it was */
};

/* The form of o's text (enum store_text_form). */
int store_text_form(const struct store_obs *o);

#endif
