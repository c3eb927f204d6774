/* oauth2-introspect limits [clear]: the host's request budget and damped sources, and lifting them. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_limits.h"
#include "tool.h"

static int show_limits(const struct oi_config *cfg, const struct oi_log *lg)
{
    struct oi_limits_view *v = calloc(1, sizeof(*v));
    int64_t now_ms = oi_now_ms();
    if (v == NULL || oi_limits_view(cfg, lg, now_ms, v) != OI_OK) {
        free(v);
        return EXIT_CONFIG;
    }
    printf("state:   %s/%s\n", cfg->state_dir, OI_LIMITS_FILE);
    if (cfg->budget_per_minute > 0)
        printf("budget:  %.1f of %ld requests left for unknown tokens (%ld more a minute)\n", v->budget_left,
               cfg->budget_burst, cfg->budget_per_minute);
    else
        printf("budget:  off (budget_per_minute = 0)\n");
    printf("counted: %llu requests sent, %llu refused over budget, %llu refused while damped, %llu refused as "
           "known junk\n",
           (unsigned long long)v->admitted, (unsigned long long)v->refused_budget,
           (unsigned long long)v->refused_damped, (unsigned long long)v->refused_junk);
    if (cfg->junk_ttl > 0)
        printf("junk:    %u token%s the server called inactive, remembered for junk_ttl (%ld s)\n", v->n_junk,
               v->n_junk == 1 ? "" : "s", cfg->junk_ttl);
    else
        printf("junk:    off (junk_ttl = 0)\n");
    if (cfg->damp_after == 0)
        printf("damping: off (damp_after = 0)\n");
    else if (v->n_sources == 0)
        printf("sources: none with a refused request since its last login\n");
    for (unsigned i = 0; cfg->damp_after > 0 && i < v->n_sources; i++) {
        const struct oi_limits_source *s = &v->sources[i];
        char key[OI_LIMITS_KEY * 4];
        plain(key, sizeof(key), s->key);
        if (s->damped_until_ms > now_ms)
            printf("source:  %s: damped for %lld s more (%u requests since its last login)\n", key,
                   (long long)((s->damped_until_ms - now_ms + 999) / 1000), s->strikes);
        else
            printf("source:  %s: %u request%s since its last login (damped from %ld)\n", key, s->strikes,
                   s->strikes == 1 ? "" : "s", cfg->damp_after);
    }
    free(v);
    return EXIT_ALLOW;
}

int cmd_limits(const struct tool *t)
{
    const char *sub = t->n_args > 1 ? t->args[1] : NULL;
    if (sub != NULL && strcmp(sub, "clear") != 0)
        return usage_error("limits: unknown argument '%s' (give nothing, or clear)", sub);
    if (t->n_args > 2)
        return usage_error("limits %s: unknown argument '%s'", sub, t->args[2]);
    struct oi_config cfg;
    int rc = load(t, &cfg);
    if (rc != 0)
        return rc;
    struct oi_log lg = {NULL, cfg.debug};
    if (sub == NULL) {
        rc = show_limits(&cfg, &lg);
    } else {
        unsigned damped = 0;
        rc = oi_limits_clear(&cfg, &lg, oi_now_ms(), &damped) == OI_OK ? EXIT_ALLOW : EXIT_CONFIG;
        if (rc == EXIT_ALLOW)
            printf("limits: the budget is full again (%ld requests), %u damped source%s lifted, no junk remembered\n",
                   cfg.budget_burst, damped, damped == 1 ? "" : "s");
    }
    oi_config_free(&cfg);
    return rc;
}
