/* signals.c - SIGTERM/SIGINT recorded for the transfer loop (see signals.h). */
#include "signals.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t signals_seen;
static int signals_held; /* main thread only */

static void signals_on(int sig)
{
    if (!signals_seen)
        alarm(SIGNALS_DEADLINE_S); /* the backstop: SIGALRM's default action */
    signals_seen = sig;
}

int signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = signals_on;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
        return -1;
    return 0;
}

int signals_caught(void)
{
    return (int)signals_seen;
}

int signals_interrupting(void)
{
    return signals_held ? 0 : (int)signals_seen;
}

void signals_hold(int on)
{
    signals_held += on ? 1 : -1;
    if (signals_held < 0)
        signals_held = 0;
}

const char *signals_name(int sig)
{
    static char other[32];
    if (sig == SIGTERM)
        return "SIGTERM";
    if (sig == SIGINT)
        return "SIGINT";
    snprintf(other, sizeof(other), "signal %d", sig);
    return other;
}
