// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The metric registry and its exposition. Series of a family are found by
 * their rendered label set ({a="x",b="y"}) through a small open-addressing
 * index; a family that names ports or processes stops making series at the
 * cap and adds the rest to one overflow series, remembering (up to a bound)
 * which label sets it folded so the count is of series, not of updates.
 */
#include "metrics.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LABELS_BUF 1024
/* distinct folded label sets remembered per family: beyond it the count is a floor */
#define FOLD_REMEMBER_MIN 1024

struct series {
	char *labels; /* a="x",b="y" (no braces), "" for none */
	uint64_t hash;
	double v; /* counter or gauge value; histograms: the sum */
	uint64_t count;
	uint64_t bucket[METRIC_BUCKETS_MAX]; /* not cumulative */
};

struct family {
	const struct metric_desc *d;
	unsigned int nlabels;
	struct series *s;
	size_t n, cap;
	uint32_t *idx;	  /* series index + 1; 0 empty */
	size_t idxcap;	  /* power of two, at least twice n */
	long overflow;	  /* index of the overflow series, -1 until one is needed */
	uint64_t *folded; /* hashes of folded label sets, open addressing, 0 empty */
	size_t foldcap, nfolded;
};

struct metrics {
	struct family *f;
	size_t n, cap;
	uint32_t max_series;
	uint64_t dropped;
};

struct mbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void mb_putn(struct mbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 4096;
		char *np;

		while (ncap < b->len + n + 1)
			ncap *= 2;
		np = realloc(b->p, ncap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void mb_puts(struct mbuf *b, const char *s)
{
	mb_putn(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void mb_printf(struct mbuf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		mb_putn(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* The fewest digits that read back as v: 0.1, not 0.10000000000000001. */
static void mb_put_shortest(struct mbuf *b, double v)
{
	char tmp[32];
	int prec;

	for (prec = 15; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
	mb_puts(b, tmp);
}

/* Integers exactly, anything else with enough digits to round-trip. */
static void mb_put_value(struct mbuf *b, double v)
{
	if (isnan(v))
		mb_puts(b, "NaN");
	else if (isinf(v))
		mb_puts(b, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		mb_printf(b, "%.0f", v);
	else
		mb_put_shortest(b, v);
}

static uint64_t hash_str(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	while (n--) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ull;
	}
	return h ? h : 1; /* 0 marks an empty fold slot */
}

/*
 * A label value as the text format allows: \\ \" \n escaped; other control
 * bytes and bytes past ASCII (a comm is any bytes, and label values must be
 * UTF-8) as the four characters \xNN, the backslash itself escaped.
 */
static size_t put_label_value(char *out, size_t room, const char *v)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;
		char esc[6];
		size_t k = 0;

		if (c == '\\' || c == '"') {
			esc[k++] = '\\';
			esc[k++] = (char)c;
		} else if (c == '\n') {
			esc[k++] = '\\';
			esc[k++] = 'n';
		} else if (c < 0x20 || c >= 0x7f) {
			esc[k++] = '\\';
			esc[k++] = '\\';
			esc[k++] = 'x';
			esc[k++] = hex[c >> 4];
			esc[k++] = hex[c & 15];
		} else {
			esc[k++] = (char)c;
		}
		if (n + k >= room)
			break; /* cut: a label value this long is no use anyway */
		memcpy(out + n, esc, k);
		n += k;
	}
	return n;
}

static size_t make_labels(const struct family *f, const char *const *values, char *buf, size_t room)
{
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < f->nlabels; i++) {
		const char *name = f->d->labels[i];
		size_t ln = strlen(name);

		if (n + ln + 4 >= room)
			break;
		if (i)
			buf[n++] = ',';
		memcpy(buf + n, name, ln);
		n += ln;
		buf[n++] = '=';
		buf[n++] = '"';
		n += put_label_value(buf + n, room - n - 2, values && values[i] ? values[i] : "");
		buf[n++] = '"';
	}
	buf[n] = 0;
	return n;
}

struct metrics *metrics_new(uint32_t max_series)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (m)
		m->max_series = max_series ? max_series : METRICS_DEFAULT_MAX_SERIES;
	return m;
}

static void family_clear(struct family *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->s[i].labels);
	f->n = 0;
	f->overflow = -1;
	f->nfolded = 0;
	if (f->idx)
		memset(f->idx, 0, f->idxcap * sizeof(*f->idx));
	if (f->folded)
		memset(f->folded, 0, f->foldcap * sizeof(*f->folded));
}

void metrics_free(struct metrics *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++) {
		family_clear(&m->f[i]);
		free(m->f[i].s);
		free(m->f[i].idx);
		free(m->f[i].folded);
	}
	free(m->f);
	free(m);
}

/* Room for one more element in *arr (n used of *cap): 0, or -1 out of memory. */
static int array_room(void *arr, size_t n, size_t *cap, size_t elem, size_t first)
{
	void **p = arr, *np;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : first;
	np = realloc(*p, ncap * elem);
	if (!np)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

int metrics_register(struct metrics *m, const struct metric_desc *d)
{
	struct family *f;

	if (array_room(&m->f, m->n, &m->cap, sizeof(*m->f), 32))
		return -1;
	f = &m->f[m->n];
	memset(f, 0, sizeof(*f));
	f->d = d;
	f->overflow = -1;
	while (f->nlabels < METRIC_LABELS_MAX && d->labels[f->nlabels])
		f->nlabels++;
	return (int)m->n++;
}

static int index_grow(struct family *f)
{
	size_t ncap = f->idxcap ? f->idxcap * 2 : 16, i;
	uint32_t *ni = calloc(ncap, sizeof(*ni));

	if (!ni)
		return -1;
	for (i = 0; i < f->n; i++) {
		size_t j = f->s[i].hash & (ncap - 1);

		while (ni[j])
			j = (j + 1) & (ncap - 1);
		ni[j] = (uint32_t)(i + 1);
	}
	free(f->idx);
	f->idx = ni;
	f->idxcap = ncap;
	return 0;
}

static long series_new(struct family *f, const char *labels, size_t len, uint64_t h)
{
	struct series *s;
	size_t j;

	if (((f->n + 1) * 2 > f->idxcap && index_grow(f)) ||
	    array_room(&f->s, f->n, &f->cap, sizeof(*f->s), 8))
		return -1;
	s = &f->s[f->n];
	memset(s, 0, sizeof(*s));
	s->labels = strndup(labels, len);
	if (!s->labels)
		return -1;
	s->hash = h;
	for (j = h & (f->idxcap - 1); f->idx[j]; j = (j + 1) & (f->idxcap - 1))
		;
	f->idx[j] = (uint32_t)(f->n + 1);
	return (long)f->n++;
}

/* Remember a folded label set; true the first time it is seen. */
static void fold_note(struct family *f, uint64_t h, uint32_t max_series)
{
	size_t j;

	if (!f->folded) {
		f->foldcap = FOLD_REMEMBER_MIN;
		while (f->foldcap < (size_t)max_series * 8)
			f->foldcap *= 2;
		f->folded = calloc(f->foldcap, sizeof(*f->folded));
		if (!f->folded)
			return;
	}
	for (j = h & (f->foldcap - 1); f->folded[j]; j = (j + 1) & (f->foldcap - 1))
		if (f->folded[j] == h)
			return;
	/* at most half full: past that the count stays a floor */
	if ((f->nfolded + 1) * 2 > f->foldcap)
		return;
	f->folded[j] = h;
	f->nfolded++;
}

long metrics_series(struct metrics *m, int fam, const char *const *values)
{
	struct family *f = &m->f[fam];
	char buf[LABELS_BUF];
	size_t len = make_labels(f, values, buf, sizeof(buf)), j;
	uint64_t h = hash_str(buf, len);
	long i;

	for (j = f->idxcap ? h & (f->idxcap - 1) : 0; f->idxcap && f->idx[j];
	     j = (j + 1) & (f->idxcap - 1)) {
		struct series *s = &f->s[f->idx[j] - 1];

		if (s->hash == h && strcmp(s->labels, buf) == 0)
			return (long)(f->idx[j] - 1);
	}
	if (f->d->capped && f->n - (f->overflow >= 0) >= m->max_series) {
		const char *other[METRIC_LABELS_MAX];
		unsigned int k;

		fold_note(f, h, m->max_series);
		if (f->overflow < 0) {
			for (k = 0; k < f->nlabels; k++)
				other[k] = METRIC_OVERFLOW;
			len = make_labels(f, other, buf, sizeof(buf));
			f->overflow = series_new(f, buf, len, hash_str(buf, len));
			if (f->overflow < 0)
				goto fail;
		}
		return f->overflow;
	}
	i = series_new(f, buf, len, h);
	if (i >= 0)
		return i;
fail:
	m->dropped++;
	return -1;
}

void metrics_add_at(struct metrics *m, int fam, long series, double v)
{
	if (series >= 0)
		m->f[fam].s[series].v += v;
}

void metrics_observe_at(struct metrics *m, int fam, long series, double v)
{
	const struct metric_desc *d = m->f[fam].d;
	struct series *s;
	unsigned int b;

	if (series < 0)
		return;
	s = &m->f[fam].s[series];
	s->v += v;
	s->count++;
	for (b = 0; b < d->nbuckets && b < METRIC_BUCKETS_MAX; b++) {
		if (v <= d->buckets[b]) {
			s->bucket[b]++;
			break;
		}
	}
}

void metrics_add(struct metrics *m, int fam, const char *const *values, double v)
{
	metrics_add_at(m, fam, metrics_series(m, fam, values), v);
}

void metrics_set(struct metrics *m, int fam, const char *const *values, double v)
{
	long i = metrics_series(m, fam, values);

	if (i >= 0)
		m->f[fam].s[i].v = v;
}

void metrics_observe(struct metrics *m, int fam, const char *const *values, double v)
{
	metrics_observe_at(m, fam, metrics_series(m, fam, values), v);
}

void metrics_clear(struct metrics *m, int fam)
{
	family_clear(&m->f[fam]);
}

static const char *type_name(enum metric_type t)
{
	return t == METRIC_COUNTER ? "counter" : t == METRIC_GAUGE ? "gauge" : "histogram";
}

/* OpenMetrics names a counter family without its _total; the text format with it. */
static void put_family_head(struct mbuf *b, const char *name, const char *help,
			    enum metric_type type, bool om)
{
	size_t n = strlen(name);

	if (om && type == METRIC_COUNTER && n > 6 && !strcmp(name + n - 6, "_total"))
		n -= 6;
	mb_puts(b, "# HELP ");
	mb_putn(b, name, n);
	mb_puts(b, " ");
	mb_puts(b, help);
	mb_puts(b, "\n# TYPE ");
	mb_putn(b, name, n);
	mb_puts(b, " ");
	mb_puts(b, type_name(type));
	mb_puts(b, "\n");
}

static void put_sample(struct mbuf *b, const char *name, const char *suffix, const char *labels,
		       const char *extra, double v)
{
	mb_puts(b, name);
	mb_puts(b, suffix);
	if (*labels || extra) {
		mb_puts(b, "{");
		mb_puts(b, labels);
		if (extra) {
			if (*labels)
				mb_puts(b, ",");
			mb_puts(b, extra);
		}
		mb_puts(b, "}");
	}
	mb_puts(b, " ");
	mb_put_value(b, v);
	mb_puts(b, "\n");
}

static void put_family(struct mbuf *b, const struct family *f, bool om)
{
	const struct metric_desc *d = f->d;
	size_t i;

	put_family_head(b, d->name, d->help, d->type, om);
	for (i = 0; i < f->n; i++) {
		const struct series *s = &f->s[i];
		uint64_t cum = 0;
		unsigned int k;
		char le[48];

		if (d->type != METRIC_HISTOGRAM) {
			put_sample(b, d->name, "", s->labels, NULL, s->v);
			continue;
		}
		for (k = 0; k < d->nbuckets && k < METRIC_BUCKETS_MAX; k++) {
			cum += s->bucket[k];
			snprintf(le, sizeof(le), "le=\"%.15g\"", d->buckets[k]);
			put_sample(b, d->name, "_bucket", s->labels, le, (double)cum);
		}
		put_sample(b, d->name, "_bucket", s->labels, "le=\"+Inf\"", (double)s->count);
		put_sample(b, d->name, "_sum", s->labels, NULL, s->v);
		put_sample(b, d->name, "_count", s->labels, NULL, (double)s->count);
	}
}

static void put_meta(struct mbuf *b, const struct metrics *m, bool om)
{
	char labels[LABELS_BUF];
	size_t i;

	put_family_head(b, "socktrace_metrics_max_series",
			"Most series a family whose labels name ports or processes keeps "
			"(--metrics-max-series).",
			METRIC_GAUGE, om);
	put_sample(b, "socktrace_metrics_max_series", "", "", NULL, m->max_series);
	put_family_head(b, "socktrace_metrics_folded_series",
			"Label sets added to a family's overflow series (labels ~other) "
			"because the family had max_series series.",
			METRIC_GAUGE, om);
	for (i = 0; i < m->n; i++) {
		if (!m->f[i].d->capped)
			continue;
		snprintf(labels, sizeof(labels), "metric=\"%s\"", m->f[i].d->name);
		put_sample(b, "socktrace_metrics_folded_series", "", labels, NULL, m->f[i].nfolded);
	}
	put_family_head(b, "socktrace_metrics_dropped_updates_total",
			"Metric updates lost because no memory was left for a new series.",
			METRIC_COUNTER, om);
	put_sample(b, "socktrace_metrics_dropped_updates_total", "", "", NULL, m->dropped);
}

int metrics_render(struct metrics *m, bool openmetrics, char **out, size_t *len)
{
	struct mbuf b = {0};
	size_t i;

	for (i = 0; i < m->n; i++)
		put_family(&b, &m->f[i], openmetrics);
	put_meta(&b, m, openmetrics);
	if (openmetrics)
		mb_puts(&b, "# EOF\n");
	if (b.oom || !b.p) {
		free(b.p);
		return -ENOMEM;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

bool metrics_wants_openmetrics(const char *accept)
{
	const char *p = accept ? strstr(accept, "application/openmetrics-text") : NULL;
	const char *end, *q;

	if (!p)
		return false;
	end = strchr(p, ',');
	if (!end)
		end = p + strlen(p);
	/* q=0 refuses it */
	for (q = p; q < end; q++) {
		if (q[0] == 'q' && q[1] == '=') {
			double w = strtod(q + 2, NULL);

			return w > 0;
		}
	}
	return true;
}
