/*
 * main.c: the dahub command line.
 *
 *   dahub serve [--config PATH] [--plugin-dir DIR] [--log-level LEVEL]
 *   dahub check [--config PATH] [--plugin-dir DIR]
 *   dahub try   [--config PATH] [--plugin-dir DIR] --feed NAME FILE
 *   dahub report [--config PATH] [--plugin-dir DIR] --period PERIOD
 *   dahub deliveries [--config PATH] [--retry ID]
 *   dahub status [--config PATH] [--json | --metrics]
 *   dahub backup [--config PATH] [--force] PATH
 *   dahub verify [--config PATH] [--plugin-dir DIR]
 *
 * Every command loads the same runtime (config, vocabulary, plugins), so
 * what `check` accepts is what `serve` runs. --log-level, on any command,
 * wins over hub.json's log_level, across reloads too. Exit codes: 0 fine, 1 the
 * input or config is bad (the reasons are printed), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sqlite3.h>

#include "daemon.h"
#include "fsutil.h"
#include "log.h"
#include "report.h"
#include "runtime.h"
#include "status_client.h"
#include "verify.h"

#define DEFAULT_CONFIG "/etc/dahub/hub.json"

struct args {
  const char *command;
  const char *config;
  const char *plugin_dir;
  const char *feed;
  const char *file;
  const char *period;
  const char *retry; /* deliveries: the outbox row to send again */
  int log_level;     /* LOG_ERR..LOG_DEBUG, or -1: hub.json's */
  int json, metrics; /* status: the daemon's JSON, or Prometheus text */
  int force;         /* backup: replace an existing file */
};

static int usage(void) {
  fputs("usage: dahub serve [--config PATH] [--plugin-dir DIR] "
        "[--log-level LEVEL]\n"
        "       dahub check [--config PATH] [--plugin-dir DIR]\n"
        "       dahub try   [--config PATH] [--plugin-dir DIR] --feed NAME "
        "FILE\n"
        "       dahub report [--config PATH] [--plugin-dir DIR] --period "
        "FY2024-25-Q4\n"
        "       dahub deliveries [--config PATH] [--retry ID]\n"
        "       dahub status [--config PATH] [--json | --metrics]\n"
        "       dahub backup [--config PATH] [--force] PATH\n"
        "       dahub verify [--config PATH] [--plugin-dir DIR]\n"
        "every command takes --log-level " LOG_LEVEL_NAMES "\n"
        "default config: " DEFAULT_CONFIG "\n"
        "default plugin folder: " DAHUB_DEFAULT_PLUGIN_DIR "\n",
        stderr);
  return 2;
}

static int parse_args(int argc, char **argv, struct args *a) {
  static const struct option opts[] = {
      {"config", required_argument, NULL, 'c'},
      {"plugin-dir", required_argument, NULL, 'p'},
      {"feed", required_argument, NULL, 'f'},
      {"period", required_argument, NULL, 'P'},
      {"retry", required_argument, NULL, 'r'},
      {"log-level", required_argument, NULL, 'l'},
      {"json", no_argument, NULL, 'j'},
      {"metrics", no_argument, NULL, 'm'},
      {"force", no_argument, NULL, 'F'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int c;

  memset(a, 0, sizeof *a);
  a->config = DEFAULT_CONFIG;
  a->log_level = -1;
  if (argc < 2)
    return -1;
  a->command = argv[1];
  optind = 2;
  while ((c = getopt_long(argc, argv, "c:p:f:P:r:l:jmFh", opts, NULL)) != -1) {
    switch (c) {
    case 'c':
      a->config = optarg;
      break;
    case 'p':
      a->plugin_dir = optarg;
      break;
    case 'f':
      a->feed = optarg;
      break;
    case 'P':
      a->period = optarg;
      break;
    case 'r':
      a->retry = optarg;
      break;
    case 'j':
      a->json = 1;
      break;
    case 'm':
      a->metrics = 1;
      break;
    case 'F':
      a->force = 1;
      break;
    case 'l':
      if (log_level_parse(optarg, &a->log_level) != 0) {
        fprintf(stderr, "--log-level: expected " LOG_LEVEL_NAMES "\n");
        return -1;
      }
      break;
    default:
      return -1;
    }
  }
  if (strcmp(a->command, "try") == 0 || strcmp(a->command, "backup") == 0) {
    if ((a->feed == NULL && a->command[0] == 't') || optind != argc - 1)
      return -1;
    a->file = argv[optind];
  } else if (optind != argc) {
    return -1;
  }
  if (strcmp(a->command, "report") == 0 && a->period == NULL)
    return -1;
  if (a->force && strcmp(a->command, "backup") != 0)
    return -1;
  if ((a->json || a->metrics) &&
      (strcmp(a->command, "status") != 0 || (a->json && a->metrics)))
    return -1;
  return 0;
}

static void print_line(const char *msg, void *arg) {
  fprintf(arg, "%s\n", msg);
}

/* Loads the runtime; on failure prints every error. */
static int load(struct runtime *rt, const struct args *a) {
  struct errlist errs = {0};
  int rc = runtime_load(rt, a->config, a->plugin_dir, &errs);

  log_set_level(a->log_level >= 0 ? a->log_level
                : rc == 0         ? rt->conf->log_level
                                  : LOG_INFO);
  errlist_each(&errs, print_line, stderr);
  if (errs.dropped > 0)
    fprintf(stderr, "... and %zu more errors\n", errs.dropped);
  if (rc != 0 && errlist_count(&errs) == 0)
    fprintf(stderr, "%s: cannot load the configuration (%s)\n", a->config,
            strerror(-rc));
  if (rc != 0)
    fprintf(stderr, "%zu error(s); nothing was started\n",
            errlist_count(&errs) ? errlist_count(&errs) : 1);
  errlist_clear(&errs);
  return rc;
}

static int cmd_check(const struct args *a) {
  struct runtime rt;
  int rc = load(&rt, a);

  if (rc == 0)
    printf("ok: %zu feeds, %zu plugins, vocabulary loaded\n", rt.n_feeds,
           rt.n_plugins);
  runtime_free(&rt);
  return rc == 0 ? 0 : 1;
}

static const char *status_name(enum dahub_status s) {
  static const char *const names[] = {"actual", "suppressed", "missing",
                                      "estimated"};
  return names[s];
}

/* One observation as a JSON line on stdout, in the store's terms. */
static void print_obs(void *arg, const struct ingest_feed *f,
                      const struct store_obs *o) {
  json_t *doc, *dims;
  char loc[32], *text;
  json_error_t je;

  (void)arg;
  (void)snprintf(loc, sizeof loc, "r%uc%u", o->line, o->col);
  dims = json_loads(o->dimensions, 0, &je);
  doc = json_pack("{s:s, s:s?, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s?}",
                  "source_id", f->conf->source_id, "service_id", o->service_id,
                  "area_code", o->area_code, "period", o->period, "measure_id",
                  o->measure_id, "dimensions", dims ? dims : json_object(),
                  "value_status", status_name(o->status), "unit", o->unit,
                  "locator", loc, "raw", o->raw);
  if (doc == NULL)
    return;
  if (o->status == DAHUB_ACTUAL || o->status == DAHUB_ESTIMATED) {
    (void)json_object_set_new(doc, "value", json_integer(o->value));
    (void)json_object_set_new(doc, "scale", json_integer(o->scale));
  } else {
    (void)json_object_set_new(doc, "value", json_null());
  }
  if (o->status == DAHUB_SUPPRESSED && o->bound > 0)
    (void)json_object_set_new(doc, "bound", json_integer(o->bound));
  text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (text != NULL)
    printf("%s\n", text);
  free(text);
  json_decref(doc);
}

static void print_record(void *arg, const char *kind, const char *fields,
                         uint32_t line) {
  (void)arg;
  printf("{\"record\":\"%s\",\"line\":%u,\"fields\":%s}\n", kind, line, fields);
}

static void print_problem(void *arg, const char *kind,
                          const struct dahub_error *e) {
  const char *file = arg;

  fprintf(stderr, "%s:%u:%u: %s: %s", file, e->line, e->col, kind, e->msg);
  if (e->field[0] != '\0')
    fprintf(stderr, " [field %s]", e->field);
  if (e->expected[0] != '\0')
    fprintf(stderr, " expected %s", e->expected);
  if (e->found[0] != '\0')
    fprintf(stderr, ", found \"%s\"", e->found);
  fputc('\n', stderr);
}

static int cmd_try(const struct args *a) {
  struct runtime rt;
  struct ingest_feed *f;
  struct ingest_result r;
  struct ingest_env env;
  int rc = load(&rt, a);

  if (rc != 0)
    goto out;
  f = runtime_feed(&rt, a->feed);
  if (f == NULL) {
    fprintf(stderr, "no feed called \"%s\" in %s\n", a->feed, a->config);
    rc = -1;
    goto out;
  }
  env = (struct ingest_env){.vocab = rt.vocab,
                            .max_file_bytes = rt.conf->max_file_bytes,
                            .max_line_bytes = (uint32_t)rt.conf->max_line_bytes,
                            .max_errors = (uint32_t)rt.conf->max_errors,
                            .on_obs = print_obs,
                            .on_record = print_record,
                            .on_problem = print_problem,
                            .arg = (void *)a->file};
  ingest_try(&env, f, a->file, &r);
  fprintf(stderr, "%s: %s: %llu observations, %u errors, %u warnings\n",
          a->file,
          r.outcome == INGEST_STORED ? "would be stored" : "would fail",
          (unsigned long long)r.observations, r.errors, r.warnings);
  rc = r.outcome == INGEST_STORED ? 0 : -1;
out:
  runtime_free(&rt);
  return rc == 0 ? 0 : 1;
}

static int cmd_serve(const struct args *a) {
  struct runtime *rt = calloc(1, sizeof *rt);
  int rc;

  if (rt == NULL)
    return 1;
  if ((rc = load(rt, a)) != 0) {
    runtime_free(rt);
    free(rt);
    return 1;
  }
  /* the daemon owns rt from here, and loads the config again on SIGHUP */
  return daemon_serve(rt, a->config, a->plugin_dir, a->log_level) == 0 ? 0 : 1;
}

/* The store in the configuration's state folder, made when missing. */
static int open_state_store(const struct runtime *rt, struct store **st) {
  struct dahub_error e = {0};
  char path[PATH_MAX];
  int rc;

  if ((rc = fs_mkdirs(rt->conf->state_dir, 0750)) != 0 ||
      (rc = fs_join(path, sizeof path, rt->conf->state_dir, "dahub.sqlite")) !=
          0) {
    fprintf(stderr, "%s: %s\n", rt->conf->state_dir, strerror(-rc));
    return rc;
  }
  if ((rc = store_open(path, st, &e)) != 0)
    fprintf(stderr, "store: %s\n", e.msg);
  return rc;
}

static int cmd_report(const struct args *a) {
  struct runtime rt;
  struct store *st = NULL;
  struct report_result res;
  struct dahub_error e = {0};
  int rc = load(&rt, a);

  if (rc != 0 || (rc = open_state_store(&rt, &st)) != 0)
    goto out;
  if ((rc = report_publish(&rt, st, a->period, NULL, (int64_t)time(NULL), &res,
                           &e)) != 0) {
    fprintf(stderr, "report: %s\n", e.msg);
    goto out;
  }
  printf("%s %s version %d in %s\n", a->period,
         res.fresh ? "summary written as" : "unchanged since", res.version,
         res.folder);
  printf("  hidden: %zu below the threshold, %zu by secondary suppression, "
         "%zu more for the audit; %zu suppressed at source; %zu shown as "
         "fixed by what was published; audited in %.0f ms (%zu linear "
         "programmes)\n",
         res.stats.primary, res.stats.secondary, res.stats.audit,
         res.stats.source, res.stats.determined, res.control_ms, res.stats.lps);
  for (size_t i = 0; i < rt.n_sinks; i++) {
    char file[64];

    if (report_sink_file(&rt.sinks[i].plugin->desc, file, sizeof file) == 0)
      printf("  %s/%s\n", res.folder, file);
  }
  if (res.deliveries > 0)
    printf("  %zu deliveries recorded: `dahub serve` sends them\n",
           res.deliveries);
out:
  store_close(st);
  runtime_free(&rt);
  return rc == 0 ? 0 : 1;
}

/* One outbox row a line: what became of each delivery. */
static int print_delivery(void *arg, const struct store_outbox_row *r) {
  char when[32] = "";
  time_t t = (time_t)(r->next_ms / 1000);
  struct tm tm;

  (void)arg;
  if (r->state == OUTBOX_PENDING || r->state == OUTBOX_RETRYING) {
    (void)gmtime_r(&t, &tm);
    (void)strftime(when, sizeof when, " next %Y-%m-%dT%H:%M:%SZ", &tm);
  }
  if (r->recipient[0] != '\0') /* a failed file's report to its contact */
    printf("%-5" PRId64 " %-14s %-4s %-16s %-8s attempts %d%s%s", r->id,
           r->feed, "-", r->destination, store_outbox_state_name(r->state),
           r->attempts, when, r->status ? "" : "\n");
  else
    printf("%-5" PRId64 " %-14s v%-3d %-16s %-8s attempts %d%s%s", r->id,
           r->period, r->version, r->destination,
           store_outbox_state_name(r->state), r->attempts, when,
           r->status ? "" : "\n");
  if (r->status)
    printf(" status %ld\n", r->status);
  if (r->recipient[0] != '\0')
    printf("      report %.200s to %.200s\n", r->files, r->recipient);
  if (r->answer[0] != '\0' && r->state != OUTBOX_SENT)
    printf("      %.200s\n", r->answer);
  return 0;
}

static int cmd_deliveries(const struct args *a) {
  struct runtime rt;
  struct store *st = NULL;
  struct dahub_error e = {0};
  int rc = load(&rt, a);

  if (rc != 0 || (rc = open_state_store(&rt, &st)) != 0)
    goto out;
  if (a->retry != NULL) {
    char *end;
    long long id = strtoll(a->retry, &end, 10);

    rc = *a->retry == '\0' || *end != '\0' || id <= 0
             ? -EINVAL
             : store_outbox_retry(st, id, store_now_ms(), &e);
    if (rc == 0)
      printf("delivery %lld is pending again: `dahub serve` sends it "
             "within seconds\n",
             id);
    else
      fprintf(stderr, "deliveries: %s\n",
              rc == -EINVAL   ? "--retry wants a delivery number"
              : rc == -ENOENT ? "no such delivery"
              : rc == -EBUSY  ? "that delivery is not parked"
                              : e.msg);
    goto out;
  }
  printf("id    period         ver  destination      state\n");
  if ((rc = store_outbox_each(st, print_delivery, NULL, &e)) != 0)
    fprintf(stderr, "deliveries: %s\n", e.msg);
out:
  store_close(st);
  runtime_free(&rt);
  return rc == 0 ? 0 : 1;
}

/* hub.json and the feeds alone, for the commands that need no plugin;
 * prints every error. OUT: config_free(). */
static int load_conf(const struct args *a, struct config **conf) {
  struct errlist errs = {0};
  int rc = config_load(a->config, a->plugin_dir, conf, &errs);

  errlist_each(&errs, print_line, stderr);
  if (rc != 0 && errlist_count(&errs) == 0)
    fprintf(stderr, "%s: cannot load the configuration (%s)\n", a->config,
            strerror(-rc));
  errlist_clear(&errs);
  return rc;
}

/* Asks the running daemon through its status socket: nothing is loaded but
 * hub.json and the feeds (the socket's path), and the store is not opened,
 * so it answers while the daemon is busy. */
static int cmd_status(const struct args *a) {
  struct config *conf = NULL;
  struct dahub_error e = {0};
  char *answer = NULL;
  int rc = load_conf(a, &conf);

  if (rc != 0)
    goto out;
  if ((rc = status_client_ask(conf->status_socket,
                              a->metrics ? "metrics" : "status", &answer,
                              &e)) != 0) {
    fprintf(stderr, "dahub status: %s\n", e.msg);
    goto out;
  }
  if (a->json || a->metrics)
    fputs(answer, stdout);
  else if ((rc = status_client_print(answer, stdout)) != 0)
    fprintf(stderr, "dahub status: the daemon's answer is not its status\n");
out:
  free(answer);
  config_free(conf);
  return rc == 0 ? 0 : 1;
}

/* The store's path from hub.json alone: backup needs no plugins. */
static int state_store_path(const struct args *a, char *path, size_t n) {
  struct config *conf = NULL;
  int rc = load_conf(a, &conf);

  if (rc == 0 && (rc = fs_join(path, n, conf->state_dir, "dahub.sqlite")) != 0)
    fprintf(stderr, "%s: %s\n", conf->state_dir, strerror(-rc));
  config_free(conf);
  return rc;
}

static int cmd_backup(const struct args *a) {
  struct dahub_error e = {0};
  char path[PATH_MAX];
  int rc = state_store_path(a, path, sizeof path);

  if (rc != 0)
    return 1;
  if ((rc = store_backup(path, a->file, a->force, &e)) != 0) {
    fprintf(stderr, "dahub backup: %s\n", e.msg);
    return 1;
  }
  printf("%s: a copy of %s, checked with integrity_check\n", a->file, path);
  return 0;
}

static int cmd_verify(const struct args *a) {
  struct runtime rt;
  struct dahub_error e = {0};
  char path[PATH_MAX];
  unsigned problems = 0;
  int rc = load(&rt, a);

  if (rc != 0)
    goto out;
  if ((rc = fs_join(path, sizeof path, rt.conf->state_dir, "dahub.sqlite")) !=
      0) {
    fprintf(stderr, "%s: %s\n", rt.conf->state_dir, strerror(-rc));
    goto out;
  }
  if ((rc = verify_run(&rt, path, stdout, &problems, &e)) != 0)
    fprintf(stderr, "dahub verify: %s\n", e.msg);
  else if (problems > 0)
    printf("verify: %u problem%s\n", problems, problems == 1 ? "" : "s");
  else
    printf("verify: ok\n");
out:
  runtime_free(&rt);
  return rc == 0 && problems == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  struct args a;

  if (parse_args(argc, argv, &a) != 0)
    return usage();
  /* Before SQLite starts: its allocation statistics take a global mutex on
   * every allocation, a few per stored figure, and nothing reads them. */
  (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    fputs("dahub: cannot set up libcurl\n", stderr);
    return 1;
  }
  if (strcmp(a.command, "deliveries") == 0)
    return cmd_deliveries(&a);
  if (strcmp(a.command, "status") == 0)
    return cmd_status(&a);
  if (strcmp(a.command, "serve") == 0)
    return cmd_serve(&a);
  if (strcmp(a.command, "check") == 0)
    return cmd_check(&a);
  if (strcmp(a.command, "try") == 0)
    return cmd_try(&a);
  if (strcmp(a.command, "report") == 0)
    return cmd_report(&a);
  if (strcmp(a.command, "backup") == 0)
    return cmd_backup(&a);
  if (strcmp(a.command, "verify") == 0)
    return cmd_verify(&a);
  return usage();
}
