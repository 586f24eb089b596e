/* test_signals.c - SIGTERM/SIGINT recording, the hold around cleanups, and
 * the backstop alarm the first signal arms. */
#include "signals.h"
#include "tap.h"

#include <signal.h>
#include <unistd.h>

int main(void)
{
    CHECK(signals_install() == 0);
    CHECK(signals_caught() == 0);
    CHECK(signals_interrupting() == 0);
    CHECK(raise(SIGTERM) == 0); /* recorded, not fatal */
    CHECK(signals_caught() == SIGTERM);
    CHECK(signals_interrupting() == SIGTERM);
    unsigned left = alarm(0); /* the backstop was armed */
    CHECK(left > 0 && left <= SIGNALS_DEADLINE_S);
    signals_hold(1);
    signals_hold(1);
    CHECK(signals_interrupting() == 0);
    signals_hold(0);
    CHECK(signals_interrupting() == 0); /* nested */
    signals_hold(0);
    CHECK(signals_interrupting() == SIGTERM);
    CHECK(raise(SIGINT) == 0);
    CHECK(signals_caught() == SIGINT);
    CHECK(alarm(0) == 0); /* armed once only, by the first signal */
    CHECK_STR(signals_name(SIGTERM), "SIGTERM");
    CHECK_STR(signals_name(SIGINT), "SIGINT");
    CHECK_STR(signals_name(SIGHUP), "signal 1");
    return TEST_DONE();
}
