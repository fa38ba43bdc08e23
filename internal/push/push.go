// Package push sends Web Push notifications (RFC 8030) to the push
// services of browsers: encrypted for the browser (RFC 8291), signed with
// the server's VAPID key (RFC 8292). A new chat message reaches an iPad
// whose tab is closed this way.
package push

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"github.com/schulhof/schulhof"
)

// Keys are the server's VAPID key pair, base64url as browsers take them.
type Keys struct {
	Public  string
	Private string
}

// GenerateKeys makes a new VAPID key pair (P-256).
func GenerateKeys() (Keys, error) {
	priv, pub, err := webpush.GenerateVAPIDKeys()
	return Keys{Public: pub, Private: priv}, err
}

// DefaultHosts are the push services of the browsers schools use: Chrome
// and Edge on Android and desktop (FCM, WNS), Firefox (Mozilla), Safari
// on iPad, iPhone and Mac (Apple). A host starting with "." stands for
// its subdomains.
var DefaultHosts = []string{"fcm.googleapis.com", ".push.services.mozilla.com", "updates.push.services.mozilla.com",
	".push.apple.com", ".notify.windows.com"}

// ErrGone says the subscription no longer exists (the user revoked it or
// the browser was reset): forget it.
var ErrGone = errors.New("push subscription gone")

// Sender sends notifications.
type Sender struct {
	Keys Keys
	// Subscriber is the operator's contact for the push services, an
	// e-mail address or an https URL.
	Subscriber string
	// Hosts are the push services endpoints may name (DefaultHosts when
	// empty): a subscription comes from the browser, and the server must
	// not be made to post anywhere else.
	Hosts []string
	// AllowHTTP lets endpoints be plain http, for tests on loopback.
	AllowHTTP bool
	Client    *http.Client
}

// CheckEndpoint says whether the sender would post to the endpoint.
func (s *Sender) CheckEndpoint(endpoint string) error {
	if len(endpoint) > MaxEndpoint {
		return schulhof.Invalid("endpoint", "push.bad_endpoint")
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(s.AllowHTTP && u.Scheme == "http")) {
		return schulhof.Invalid("endpoint", "push.bad_endpoint")
	}
	hosts := s.Hosts
	if len(hosts) == 0 {
		hosts = DefaultHosts
	}
	host := strings.ToLower(u.Hostname())
	for _, h := range hosts {
		if host == h || strings.HasPrefix(h, ".") && strings.HasSuffix(host, h) {
			return nil
		}
	}
	return schulhof.Invalid("endpoint", "push.bad_endpoint")
}

// MaxEndpoint bounds a subscription's address (the push services' are a
// few hundred bytes).
const MaxEndpoint = 1000

// Send posts one notification. topic collapses notifications of one
// conversation that wait in the push service; ttl is how long it may
// wait there for a device that is off.
func (s *Sender) Send(ctx context.Context, sub *schulhof.PushSubscription, payload []byte, topic string, ttl time.Duration) error {
	if err := s.CheckEndpoint(sub.Endpoint); err != nil {
		return err
	}
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := webpush.SendNotificationWithContext(ctx, payload,
		&webpush.Subscription{Endpoint: sub.Endpoint, Keys: webpush.Keys{Auth: sub.Auth, P256dh: sub.P256dh}},
		&webpush.Options{HTTPClient: client, Subscriber: s.Subscriber, Topic: topic, TTL: int(ttl.Seconds()),
			Urgency: webpush.UrgencyNormal, VAPIDPublicKey: s.Keys.Public, VAPIDPrivateKey: s.Keys.Private})
	if err != nil {
		return fmt.Errorf("push to %s: %w", redact(sub.Endpoint), err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return ErrGone
	case resp.StatusCode >= 300:
		return fmt.Errorf("push to %s: status %d", redact(sub.Endpoint), resp.StatusCode)
	}
	return nil
}

// redact keeps an endpoint's host: its path identifies the device.
func redact(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil {
		return u.Scheme + "://" + u.Host + "/…"
	}
	return "?"
}
