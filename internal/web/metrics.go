package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/schulhof/schulhof/internal/realtime"
	"github.com/schulhof/schulhof/internal/sqlstore"
)

// metrics are the server's Prometheus metrics, in a registry of its own
// (no global state).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

func newMetrics(db *sqlstore.DB) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "schulhof_http_requests_total", Help: "HTTP requests by route pattern and status code.",
	}, []string{"route", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "schulhof_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "schulhof_http_requests_in_flight", Help: "HTTP requests being answered now.",
	})
	m.reg.MustRegister(m.requests, m.latency, m.inFlight, &dbCollector{db: db},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// watchLive reports the live side: the sockets this node holds, the
// events delivered to them, those closed for not keeping up.
func (m *metrics) watchLive(h *realtime.Hub) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "schulhof_sockets", Help: "Live sockets this node holds."},
			func() float64 { return float64(h.Conns()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "schulhof_socket_events_total", Help: "Events delivered to this node's sockets."},
			func() float64 { return float64(h.Delivered.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "schulhof_sockets_slow_total", Help: "Sockets closed for not keeping up or a hung write."},
			func() float64 { return float64(h.Slow.Load()) }))
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// dbCollector reports the connection pools and the messenger's group
// commit at scrape time.
type dbCollector struct{ db *sqlstore.DB }

var (
	dbOpen  = prometheus.NewDesc("schulhof_db_connections_open", "Open database connections.", []string{"pool"}, nil)
	dbInUse = prometheus.NewDesc("schulhof_db_connections_in_use", "Database connections in use.", []string{"pool"}, nil)
	dbWaits = prometheus.NewDesc("schulhof_db_wait_total", "Times a caller waited for a connection.", []string{"pool"}, nil)
	dbWait  = prometheus.NewDesc("schulhof_db_wait_seconds_total", "Time spent waiting for a connection.", []string{"pool"}, nil)
	// the messenger's group commit: writes per batch is the one divided
	// by the other
	chatBatches = prometheus.NewDesc("schulhof_chat_batches_total", "Transactions that stored the messenger's posts and read markers together (SQLite).", nil, nil)
	chatWrites  = prometheus.NewDesc("schulhof_chat_writes_total", "Posts and read markers stored in those transactions.", nil, nil)
)

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- dbOpen
	ch <- dbInUse
	ch <- dbWaits
	ch <- dbWait
	ch <- chatBatches
	ch <- chatWrites
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	w, r := c.db.Stats()
	pools := map[string]struct {
		open, inUse, waits int64
		wait               float64
	}{
		"write": {int64(w.OpenConnections), int64(w.InUse), w.WaitCount, w.WaitDuration.Seconds()},
	}
	if c.db.Dialect() == sqlstore.SQLite {
		pools["read"] = struct {
			open, inUse, waits int64
			wait               float64
		}{int64(r.OpenConnections), int64(r.InUse), r.WaitCount, r.WaitDuration.Seconds()}
	}
	for name, p := range pools {
		ch <- prometheus.MustNewConstMetric(dbOpen, prometheus.GaugeValue, float64(p.open), name)
		ch <- prometheus.MustNewConstMetric(dbInUse, prometheus.GaugeValue, float64(p.inUse), name)
		ch <- prometheus.MustNewConstMetric(dbWaits, prometheus.CounterValue, float64(p.waits), name)
		ch <- prometheus.MustNewConstMetric(dbWait, prometheus.CounterValue, p.wait, name)
	}
	batches, writes := c.db.ChatBatches()
	ch <- prometheus.MustNewConstMetric(chatBatches, prometheus.CounterValue, float64(batches))
	ch <- prometheus.MustNewConstMetric(chatWrites, prometheus.CounterValue, float64(writes))
}
