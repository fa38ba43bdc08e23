// Package kit is what every module of the web layer uses: the Deps it is
// built with (store, blobs, bus, hub, clock, logger, metrics), who makes
// a request and for which school, the route table (pages, the API, forms,
// and handlers that return their answer), answering with a page, JSON,
// stored bytes or an error in the user's language, its assets
// (templates, sentences, OpenAPI part), one cache type, one rate limiter,
// and what modules add to what they share: live topic kinds, sections of
// the settings page, cards of the start page.
//
// kit imports no module; modules import kit and nothing of each other.
package kit

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/bus"
	"github.com/schulhof/schulhof/internal/realtime"
)

// Store is what kit itself reads: schools and the operator. Each module
// declares the store it needs beside it.
type Store interface {
	FindSchoolByID(ctx context.Context, id schulhof.SchoolID) (*schulhof.School, error)
	FindSchoolBySlug(ctx context.Context, slug string) (*schulhof.School, error)
	FindOperator(ctx context.Context) (*schulhof.Operator, error)
}

// Site is what the pages and links need of the configuration.
type Site struct {
	// PublicURL is the address users type; empty means the request's.
	PublicURL string
	// TrustProxy believes X-Forwarded-For and X-Forwarded-Proto.
	TrustProxy bool
	// SecureCookies marks every cookie Secure; otherwise a cookie is
	// when the request came over HTTPS.
	SecureCookies bool
	Version       string
}

// Deps is what the assembly hands every module. Modules embed it.
type Deps struct {
	Site
	Store Store
	Blobs blob.Store
	// Bus carries events between nodes; Hub holds this node's sockets.
	Bus bus.Bus
	Hub *realtime.Hub
	// Node names this server among the nodes of a cluster (random), so
	// that it can skip its own events
	Node string
	Log  *slog.Logger
	// Metrics is the server's Prometheus registry, for the modules' own
	Metrics prometheus.Registerer
	// Errors counts the requests that failed on the server, per school
	// (the middleware adds; the operator's console reads)
	Errors *ErrorCounter

	topics topics
	// what the modules add to the shared pages: the sections of the
	// settings page (settings.go), the cards of the start page
	// (start.go), where a login's forms may lead (pages.go)
	registryMu  sync.Mutex
	settings    []SettingsSection
	cards       []StartCard
	formTargets []FormTarget
	exports     []ExportPart
	clock       func() time.Time
	schools     *Cache[schulhof.SchoolID, *schulhof.School]
	operator    *Cache[struct{}, *schulhof.Operator]
	lastOrg     atomic.Pointer[schulhof.Operator]
}

// NewDeps makes the Deps with a hub whose topics are those the modules
// add (AddTopic). The clock is the store's in a server, which tests move.
func NewDeps(site Site, store Store, clock func() time.Time, blobs blob.Store, b bus.Bus, log *slog.Logger) *Deps {
	d := &Deps{Site: site, Store: store, clock: clock, Blobs: blobs, Bus: b, Log: log, Node: rand.Text(),
		// every request of a logged-in user needs their school, which
		// changes a few times a year: a change on this node is seen at
		// once, on another within five seconds
		schools: NewCache[schulhof.SchoolID, *schulhof.School](5*time.Second, 10_000),
		// the operator is on every page and changes once in years
		operator: NewCacheOn[struct{}, *schulhof.Operator](30*time.Second, 1, clock)}
	Shared(d, "schools", d.schools)
	Shared(d, "operator", d.operator)
	d.Errors = NewErrorCounter(clock)
	d.Errors.share(d)
	d.Hub = realtime.NewHub(d.mayFollow)
	d.Hub.Receive = d.receive
	return d
}

// Now is the time on the server's clock.
func (d *Deps) Now() time.Time { return d.clock() }

// School is a school by id, from the cache.
func (d *Deps) School(ctx context.Context, id schulhof.SchoolID) (*schulhof.School, error) {
	return d.schools.Get(id, func() (*schulhof.School, error) { return d.Store.FindSchoolByID(ctx, id) })
}

// ForgetSchool is for whoever changed one.
func (d *Deps) ForgetSchool(id schulhof.SchoolID) { d.schools.Forget(id) }

// Operator is the organisation running the installation, named on every
// page (DSGVO: who processes the data). When the store fails, the last
// one read: the footer can wait; the page should not fail for it.
func (d *Deps) Operator(ctx context.Context) *schulhof.Operator {
	op, err := d.operator.Get(struct{}{}, func() (*schulhof.Operator, error) { return d.Store.FindOperator(ctx) })
	if err != nil {
		return d.lastOrg.Load()
	}
	d.lastOrg.Store(op)
	return op
}

// ForgetOperator is for whoever changed it.
func (d *Deps) ForgetOperator() { d.operator.Clear() }

// SchoolFromPath is the school named by {school} in the path, if the
// user may see it; another school is not found, not forbidden, so that
// its existence does not leak.
func (d *Deps) SchoolFromPath(r *http.Request) (*schulhof.School, error) {
	sc, err := d.Store.FindSchoolBySlug(r.Context(), r.PathValue("school"))
	if err != nil {
		return nil, err
	}
	if !schulhof.CanViewSchool(AuthOf(r).User, sc.ID) {
		return nil, schulhof.Errorf(schulhof.ENotFound, "school.not_found")
	}
	return sc, nil
}

// ClientIP is the address the request came from.
func (d *Deps) ClientIP(r *http.Request) string {
	if d.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			return strings.TrimSpace(parts[len(parts)-1])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// IsHTTPS reports whether the user's browser speaks HTTPS to us.
func (d *Deps) IsHTTPS(r *http.Request) bool {
	return r.TLS != nil || (d.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https")
}

// BaseURL is where users reach the platform, for letters and links.
func (d *Deps) BaseURL(r *http.Request) string {
	if d.PublicURL != "" {
		return strings.TrimRight(d.PublicURL, "/")
	}
	scheme := "http"
	if d.IsHTTPS(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// Broadcast is how a node keeps what it holds in memory in step with the
// other nodes of a cluster (caches, limits, counts): tell publishes data
// on the subject to every other node, whose receive gets it; a node does
// not receive its own. Delivery is at most once, a moment later.
func (d *Deps) Broadcast(subject string, receive func(data []byte)) (tell func(data []byte)) {
	prefix := d.Node + " "
	d.Bus.Subscribe(subject, func(_ string, msg []byte) {
		if bytes.HasPrefix(msg, []byte(prefix)) {
			return // its own
		}
		if _, data, ok := bytes.Cut(msg, []byte(" ")); ok {
			receive(data)
		}
	})
	return func(data []byte) {
		d.Bus.Publish(context.Background(), subject, append([]byte(prefix), data...))
	}
}
