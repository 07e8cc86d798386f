/*
 * test_pgstore_leader.c: two hubs for one board against one PostgreSQL,
 * and which of them is active (pgstore_leader_*()): one at a time, the
 * standby taking over when the active one stops, is killed or loses its
 * connection, and never a role of another board, which can neither take
 * a board's lease nor keep the board's hubs from taking it.
 * Skipped (77) when $DAHUB_TEST_PG names no server.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "fixture.h"
#include "pg_fixture.h"
#include "pgstore.h"

static struct pgstore_leader *leader(struct pg_fixture *f, const char *board) {
  struct pgstore_leader *l = NULL;

  if (pgstore_leader_open(f->conninfo_file, board, &l, &f->err) != 0)
    fail_msg("leader: %s", f->err.msg);
  return l;
}

/* Ends the backend of every board's active hub in the test's database:
 * the active hub's connection lost. */
static void end_lock_holders(struct pg_fixture *f) {
  /* each waits until its backend is gone (5 s at most) */
  (void)pg_query(f, "SELECT count(pg_terminate_backend(holder_pid, 5000))"
                    " FROM board_leases WHERE holder_pid IS NOT NULL");
}

static void test_one_active_hub_a_board(void **state) {
  struct pg_fixture *f = *state;
  struct pgstore_leader *a = leader(f, "leics"), *b = leader(f, "leics");
  struct pgstore_leader *c = leader(f, "rutland"), *d;

  assert_int_equal(pgstore_leader_try(a, &f->err), 1);
  assert_int_equal(pgstore_leader_try(b, &f->err), 0);
  assert_int_equal(pgstore_leader_try(a, &f->err), 1); /* stays */
  assert_int_equal(pgstore_leader_try(b, &f->err), 0);
  assert_int_equal(pgstore_leader_try(c, &f->err), 1); /* its own board */
  pgstore_leader_close(c);
  /* the active one stops: the standby takes over at its next try */
  pgstore_leader_close(a);
  assert_int_equal(pgstore_leader_try(b, &f->err), 1);
  /* the active one's connection is lost: another takes over, and the
   * old one, reconnected, learns it is active no more */
  d = leader(f, "leics");
  assert_int_equal(pgstore_leader_try(d, &f->err), 0);
  end_lock_holders(f);
  assert_int_equal(pgstore_leader_try(d, &f->err), 1);
  assert_int_equal(pgstore_leader_try(b, &f->err), 0);
  assert_int_equal(pgstore_leader_try(d, &f->err), 1);
  /* an active hub that has not tried for the lease's 60 s is replaced,
   * though its connection lives, and learns it at its next try */
  (void)pg_query(f, "UPDATE board_leases"
                    " SET renewed_at = now() - interval '61 seconds'");
  assert_int_equal(pgstore_leader_try(b, &f->err), 1);
  assert_int_equal(pgstore_leader_try(d, &f->err), 0);
  pgstore_leader_close(b);
  pgstore_leader_close(d);
}

/* The active hub is a process killed with SIGKILL: the standby is active
 * at its first try after, since the server drops the lock with the
 * connection at once. */
static void test_standby_takes_over_from_a_killed_hub(void **state) {
  struct pg_fixture *f = *state;
  struct pgstore_leader *standby = leader(f, "leics");
  struct timespec t0, t1;
  int fds[2], status, took = 0;
  char got = 0;
  pid_t pid;

  assert_int_equal(pipe(fds), 0);
  if ((pid = fork()) == 0) {
    struct pgstore_leader *active = NULL;
    struct dahub_error err;
    char yes = '1';

    if (pgstore_leader_open(f->conninfo_file, "leics", &active, &err) != 0 ||
        pgstore_leader_try(active, &err) != 1)
      yes = '0';
    if (write(fds[1], &yes, 1) != 1)
      _exit(1);
    for (;;)
      (void)pause(); /* active until killed */
  }
  assert_true(pid > 0);
  assert_int_equal(read(fds[0], &got, 1), 1);
  (void)close(fds[0]);
  (void)close(fds[1]);
  assert_int_equal(got, '1');
  assert_int_equal(pgstore_leader_try(standby, &f->err), 0);
  assert_int_equal(kill(pid, SIGKILL), 0);
  assert_int_equal(waitpid(pid, &status, 0), pid);
  (void)clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < 100 && !took; i++) { /* 5 s at most */
    struct timespec nap = {0, 50 * 1000 * 1000};

    took = pgstore_leader_try(standby, &f->err) == 1;
    if (!took)
      (void)nanosleep(&nap, NULL);
  }
  (void)clock_gettime(CLOCK_MONOTONIC, &t1);
  assert_true(took);
  print_message("standby active %.3f s after the kill\n",
                (double)(t1.tv_sec - t0.tv_sec) +
                    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
  pgstore_leader_close(standby);
}

/* What a role of another board can do, it does, and holds it: the key of
 * an advisory lock named after the board, and in an open transaction
 * every lease row it can lock. The board's hub becomes active all the
 * same; the other role can neither see, change, insert nor lock the
 * board's lease, nor become the board's active hub, then or after. */
static void
test_another_boards_role_cannot_take_or_block_the_lease(void **state) {
  struct pg_fixture *f = *state;
  char a[80], b[80], path_a[256], path_b[256], sql[256];
  const char *keys[] = {"dbname", "dbname", "user", NULL};
  const char *values[] = {pg_admin_conninfo(), f->db, NULL, NULL};
  struct pgstore_leader *hub, *intruder = NULL, *standby;
  PGconn *other;

  pg_hub_role(f, "a", "leics", a, sizeof a, path_a, sizeof path_a);
  pg_hub_role(f, "b", "rutland", b, sizeof b, path_b, sizeof path_b);
  values[2] = b;
  other = PQconnectdbParams(keys, values, 1);
  assert_int_equal(PQstatus(other), CONNECTION_OK);
  assert_string_equal(pg_run(other, "SELECT pg_advisory_lock(hashtextextended"
                                    "('dahub active hub: ' || 'leics', 0))"),
                      "");
  (void)pg_run(other, "BEGIN");
  assert_string_equal(pg_run(other, "SELECT board FROM board_leases"
                                    " FOR UPDATE"),
                      "(no row)");

  if (pgstore_leader_open(path_a, "leics", &hub, &f->err) != 0)
    fail_msg("leader: %s", f->err.msg);
  assert_int_equal(pgstore_leader_try(hub, &f->err), 1);
  assert_string_equal(pg_run(other, "SELECT count(*) FROM board_leases"), "0");
  (void)snprintf(sql, sizeof sql,
                 "UPDATE board_leases SET holder_pid = pg_backend_pid()"
                 " WHERE board = 'leics'");
  assert_string_equal(pg_as_role(f, b, sql), "changed 0");
  assert_non_null(strstr(pg_as_role(f, b,
                                    "INSERT INTO board_leases VALUES"
                                    " ('leics', pg_backend_pid(), now())"),
                         "row-level security"));
  assert_non_null(strstr(pg_as_role(f, b,
                                    "BEGIN; LOCK TABLE board_leases IN"
                                    " EXCLUSIVE MODE"),
                         "permission denied"));
  assert_int_equal(pgstore_leader_try(hub, &f->err), 1);

  /* as a hub of the board: never active, while the hub is nor after */
  if (pgstore_leader_open(path_b, "leics", &intruder, &f->err) != 0)
    fail_msg("leader: %s", f->err.msg);
  assert_true(pgstore_leader_try(intruder, &f->err) < 0);
  pgstore_leader_close(hub);
  assert_true(pgstore_leader_try(intruder, &f->err) < 0);
  if (pgstore_leader_open(path_a, "leics", &standby, &f->err) != 0)
    fail_msg("leader: %s", f->err.msg);
  assert_int_equal(pgstore_leader_try(standby, &f->err), 1);
  assert_true(pgstore_leader_try(intruder, &f->err) < 0);
  pgstore_leader_close(intruder);
  pgstore_leader_close(standby);
  (void)pg_run(other, "ROLLBACK");
  PQfinish(other);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_one_active_hub_a_board,
                                      pg_setup_empty, pg_teardown),
      cmocka_unit_test_setup_teardown(test_standby_takes_over_from_a_killed_hub,
                                      pg_setup_empty, pg_teardown),
      cmocka_unit_test_setup_teardown(
          test_another_boards_role_cannot_take_or_block_the_lease, pg_setup,
          pg_teardown),
  };

  pg_require_server("test_pgstore_leader");
  return cmocka_run_group_tests(tests, NULL, NULL);
}
