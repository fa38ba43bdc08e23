package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/bus"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/web"
	"github.com/schulhof/schulhof/internal/web/video"
)

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Addr, "addr", env("SCHULHOF_ADDR", "127.0.0.1:8080"), "address to listen on (env SCHULHOF_ADDR)")
	fs.StringVar(&c.PublicURL, "public-url", env("SCHULHOF_PUBLIC_URL", ""), "address users type, printed on login letters (env SCHULHOF_PUBLIC_URL)")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", envBool("SCHULHOF_TRUST_PROXY"), "believe X-Forwarded-For/-Proto from a reverse proxy (env SCHULHOF_TRUST_PROXY)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", envBool("SCHULHOF_SECURE_COOKIES"), "always mark cookies Secure (env SCHULHOF_SECURE_COOKIES)")
	trashDays := fs.Int("trash-days", envInt("SCHULHOF_TRASH_DAYS", 30), "days deleted files stay restorable in the trash (env SCHULHOF_TRASH_DAYS)")
	keep := fs.Int("keep-versions", envInt("SCHULHOF_KEEP_VERSIONS", 10), "earlier versions an overwritten file keeps (env SCHULHOF_KEEP_VERSIONS)")
	chatEvery := fs.Duration("chat-every", envDuration("SCHULHOF_CHAT_EVERY", 2*time.Second), "how often a user may post in the messenger once a burst of ten is spent (env SCHULHOF_CHAT_EVERY)")
	natsURL := fs.String("nats-url", env("SCHULHOF_NATS_URL", ""), "NATS server that carries live events between the nodes of a cluster; empty: this node alone (env SCHULHOF_NATS_URL)")
	scan := fs.String("scan-command", env("SCHULHOF_SCAN_COMMAND", ""), `virus scanner for every upload, run with the file on stdin; exit 0 clean, 1 refused, e.g. "clamdscan --no-summary -" (env SCHULHOF_SCAN_COMMAND)`)
	var media mediaFlags
	fs.StringVar(&media.turn, "turn", env("SCHULHOF_TURN", ""), "TURN servers for video lessons behind NAT, comma-separated, e.g. turn:turn.example.org:3478 (env SCHULHOF_TURN)")
	fs.StringVar(&media.secret, "turn-secret", env("SCHULHOF_TURN_SECRET", ""), "the TURN server's shared secret (coturn's static-auth-secret), for time-limited credentials (env SCHULHOF_TURN_SECRET)")
	fs.StringVar(&media.publicIP, "media-public-ip", env("SCHULHOF_MEDIA_PUBLIC_IP", ""), "the address clients reach video lessons' media at, when the server sits behind NAT (env SCHULHOF_MEDIA_PUBLIC_IP)")
	fs.StringVar(&media.ip, "media-ip", env("SCHULHOF_MEDIA_IP", ""), "the one local address video lessons' media use, on a server with several networks, e.g. 10.0.0.5; empty: all but loopback (env SCHULHOF_MEDIA_IP)")
	fs.StringVar(&media.ports, "media-ports", env("SCHULHOF_MEDIA_PORTS", ""), "UDP port range of video lessons' media, for the firewall, e.g. 40000-40999 (env SCHULHOF_MEDIA_PORTS)")
	commonFlags(fs, &c)
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	videoCfg, err := videoConfig(media)
	if err != nil {
		return usageError(err.Error())
	}
	if *trashDays < 1 || *keep < 1 {
		return usageError("--trash-days and --keep-versions must be at least 1")
	}
	c.AdminPassword = env("SCHULHOF_ADMIN_PASSWORD", "")
	log := c.logger(stderr)
	// libraries that log to slog's default (the single sign-on's
	// protocol errors) log as the server does
	slog.SetDefault(log)
	tuneGC()

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	db, err := sqlstore.Open(ctx, c.dsn())
	if err != nil {
		return err
	}
	defer db.Close()
	log.Info("database ready", "dialect", db.Dialect())
	hasher := password.NewHasher(password.OWASP, 0, 0)
	if err := ensureOperator(ctx, db, hasher, c.AdminPassword, log); err != nil {
		return err
	}
	blobs, disk, err := c.files(ctx)
	if err != nil {
		return err
	}
	if disk != nil {
		go func() {
			if err := disk.PrepareShards(ctx); err != nil && ctx.Err() == nil {
				log.Warn("prepare file folders", "err", err)
			}
		}()
	} else {
		log.Info("files in the object store", "endpoint", c.S3.Endpoint, "bucket", c.S3.Bucket)
	}
	if argv := strings.Fields(*scan); len(argv) > 0 {
		blobs = blob.WithScanner(blobs, blob.CommandScanner{Argv: argv})
		log.Info("every upload is scanned", "command", *scan)
	}
	var events bus.Bus = bus.NewLocal()
	if *natsURL != "" {
		host, _ := os.Hostname()
		nb, err := bus.NewNATS(*natsURL, "schulhof "+host)
		if err != nil {
			return err
		}
		events = nb
		log.Info("live events go over NATS", "url", *natsURL)
	}
	defer events.Close()
	srv, err := web.New(web.Config{PublicURL: c.PublicURL, TrustProxy: c.TrustProxy, SecureCookies: c.SecureCookies, Version: version,
		TrashRetention: time.Duration(*trashDays) * 24 * time.Hour, KeepVersions: *keep, Bus: events, ChatEvery: *chatEvery, Video: videoCfg}, db, blobs, hasher, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	// Shutdown does not wait for hijacked connections: the live sockets
	// are closed, and their clients reconnect.
	hs.RegisterOnShutdown(srv.CloseSockets)
	bg, cancelBG := context.WithCancel(ctx)
	defer cancelBG()
	go srv.Run(bg)

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("schulhof is listening", "addr", "http://"+ln.Addr().String(), "version", version)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop taking requests and let the ones in flight finish; their
	// transactions commit or roll back as a whole.
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	// notifications of the last messages still go out, within the time left
	pushed := make(chan struct{})
	go func() { srv.WaitBackground(); close(pushed) }()
	select {
	case <-pushed:
	case <-sctx.Done():
		log.Warn("stopped before all push notifications were sent")
	}
	log.Info("stopped")
	return nil
}

// ensureOperator creates the operator account "admin" on the first start.
// Its password comes from SCHULHOF_ADMIN_PASSWORD, or else a random one is
// logged this once and must be changed at the first login.
func ensureOperator(ctx context.Context, db *sqlstore.DB, hasher *password.Hasher, plain string, log *slog.Logger) error {
	ops, _, err := db.FindUsers(ctx, schulhof.UserFilter{Role: schulhof.RoleOperator, Limit: 1})
	if err != nil {
		return err
	}
	if len(ops) > 0 {
		return nil
	}
	generated := plain == ""
	if generated {
		plain = password.Generate(20)
	}
	hash, err := hasher.Hash(ctx, plain)
	if err != nil {
		return err
	}
	u := &schulhof.User{Login: "admin", FirstName: "Betrieb", LastName: "Administrator", Role: schulhof.RoleOperator, MustChangePassword: generated}
	if err := db.CreateUser(ctx, u, hash); err != nil {
		return fmt.Errorf("create operator: %w", err)
	}
	if generated {
		log.Warn("created the operator account; log in and change this password now", "login", "admin", "password", plain)
	} else {
		log.Info("created the operator account with SCHULHOF_ADMIN_PASSWORD", "login", "admin")
	}
	return nil
}

// tuneGC makes the collector run less often unless GOGC is set. A page
// allocates some tens of kilobytes in a live heap of a few megabytes; at
// Go's default the collector would run dozens of times a second under
// load and take a good part of the CPU. Memory is not what a school server
// is short of.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

// mediaFlags are the video lessons' settings as given.
type mediaFlags struct {
	turn, secret, publicIP, ip, ports string
}

// videoConfig reads the video lessons' settings: TURN servers and their
// secret, the media's public and local address and ports.
func videoConfig(f mediaFlags) (video.Config, error) {
	var v video.Config
	for _, u := range strings.Split(f.turn, ",") {
		if u = strings.TrimSpace(u); u != "" {
			if !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") && !strings.HasPrefix(u, "stun:") {
				return v, fmt.Errorf("--turn: %q is no turn:, turns: or stun: address", u)
			}
			v.TURN = append(v.TURN, u)
		}
	}
	if len(v.TURN) > 0 && f.secret == "" {
		return v, fmt.Errorf("--turn needs --turn-secret (coturn's static-auth-secret)")
	}
	v.TURNSecret = f.secret
	if f.publicIP != "" && net.ParseIP(f.publicIP) == nil {
		return v, fmt.Errorf("--media-public-ip: %q is no IP address", f.publicIP)
	}
	v.RTC.PublicIP = f.publicIP
	if f.ip != "" {
		ip := net.ParseIP(f.ip)
		if ip == nil {
			return v, fmt.Errorf("--media-ip: %q is no IP address", f.ip)
		}
		v.RTC.Addresses = []net.IP{ip}
	}
	if f.ports != "" {
		lo, hi, ok := strings.Cut(f.ports, "-")
		a, err1 := strconv.ParseUint(lo, 10, 16)
		b, err2 := strconv.ParseUint(hi, 10, 16)
		if !ok || err1 != nil || err2 != nil || a == 0 || b < a {
			return v, fmt.Errorf("--media-ports: %q is no range like 40000-40999", f.ports)
		}
		v.RTC.MinPort, v.RTC.MaxPort = uint16(a), uint16(b)
	}
	return v, nil
}
