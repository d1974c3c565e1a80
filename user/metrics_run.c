// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "metrics_run.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "metrics_http.h"
#include "warn.h"
#include "web_config.h"

struct metrics_run {
	struct metrics_view view;
	struct metrics_http *http;
	struct web_config wc;
	bool have_wc;
};

int metrics_run_open(struct metrics_run **out, const struct options *o, transition_sink *sink,
		     void **sink_ctx, uint64_t now_ns)
{
	struct metrics_run *mr = calloc(1, sizeof(*mr));
	struct metrics_addr a;
	char err[512];

	*out = mr;
	if (!mr || metrics_view_init(&mr->view, o->metrics_max_series, *sink, *sink_ctx, now_ns)) {
		warnf("metrics: out of memory");
		return -1;
	}
	mr->view.family = o->f.family;
	mr->view.netns = o->f.netns;
	if (o->web_config) {
		if (web_config_load(o->web_config, &mr->wc, err, sizeof(err))) {
			warnf("--web-config %s", err);
			return -1;
		}
		mr->have_wc = true;
	}
	if (metrics_addr_parse(o->metrics, &a) ||
	    metrics_http_bind(&mr->http, &a, err, sizeof(err))) {
		warnf("%s", err);
		return -1;
	}
	*sink = metrics_view_transition;
	*sink_ctx = &mr->view;
	return 0;
}

int metrics_run_start(struct metrics_run *mr, const struct rings *rings, uint64_t ring_size)
{
	char err[256], url[128];

	metrics_view_set_ring(&mr->view, rings, ring_size);
	if (metrics_http_start(mr->http, mr->have_wc ? &mr->wc : NULL, mr->view.pub, err,
			       sizeof(err))) {
		warnf("metrics: %s", err);
		return -1;
	}
	metrics_http_url(mr->http, mr->have_wc && mr->wc.cert_pem, url, sizeof(url));
	warnf("metrics at %s%s", url, mr->have_wc && mr->wc.nusers ? " (basic auth)" : "");
	return 0;
}

void metrics_run_step(struct metrics_run *mr, struct table *tb, const struct metrics_health *h,
		      uint64_t now_ns)
{
	metrics_view_step(&mr->view, tb, h, now_ns);
}

void metrics_run_close(struct metrics_run *mr)
{
	if (!mr)
		return;
	/* the server's thread reads the publications: it goes first */
	metrics_http_stop(mr->http);
	metrics_view_free(&mr->view);
	if (mr->have_wc)
		web_config_free(&mr->wc);
	free(mr);
}
