package push_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/schulhof/schulhof/internal/push"
	"github.com/schulhof/schulhof/internal/push/pushtest"
)

func TestSend(t *testing.T) {
	keys, err := push.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	b := pushtest.NewBrowser(t)
	s := &push.Sender{Keys: keys, Subscriber: "it@schule.example", Hosts: []string{"127.0.0.1"}, AllowHTTP: true}
	payload := []byte(`{"title":"5a","body":"Frau Berg: Morgen Atlas mitbringen"}`)
	if err := s.Send(context.Background(), b.Subscription("/push/abc"), payload, "room-7", time.Hour); err != nil {
		t.Fatal(err)
	}
	d := <-b.Received
	if string(d.Payload) != string(payload) {
		t.Errorf("decrypted %q", d.Payload)
	}
	if d.Topic != "room-7" || d.TTL != "3600" {
		t.Errorf("topic %q ttl %q", d.Topic, d.TTL)
	}
	// the VAPID header names our key and a token for the push service's origin
	if !strings.HasPrefix(d.Authorization, "vapid t=") || !strings.HasSuffix(d.Authorization, ", k="+keys.Public) {
		t.Fatalf("authorization %q", d.Authorization)
	}
	token := strings.TrimSuffix(strings.TrimPrefix(d.Authorization, "vapid t="), ", k="+keys.Public)
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q", token)
	}
	claims, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c struct {
		Aud, Sub string
		Exp      int64
	}
	json.Unmarshal(claims, &c)
	if c.Aud != b.Server.URL || c.Sub != "mailto:it@schule.example" || c.Exp < time.Now().Unix() {
		t.Errorf("claims %s", claims)
	}

	// a subscription the browser dropped
	b.Status.Store(http.StatusGone)
	if err := s.Send(context.Background(), b.Subscription("/push/abc"), payload, "", time.Hour); !errors.Is(err, push.ErrGone) {
		t.Errorf("gone: %v", err)
	}
	<-b.Received
}

func TestCheckEndpoint(t *testing.T) {
	s := &push.Sender{}
	for endpoint, ok := range map[string]bool{
		"https://fcm.googleapis.com/fcm/send/abc":                 true,
		"https://web.push.apple.com/QGx":                          true,
		"https://updates.push.services.mozilla.com/wpush/v2/gAAA": true,
		"https://db5p.notify.windows.com/w/?token=x":              true,
		"http://fcm.googleapis.com/fcm/send/abc":                  false,
		"https://fcm.googleapis.com.evil.example/x":               false,
		"https://127.0.0.1/x":                                     false,
		"https://intranet.schule.local/admin":                     false,
		"https://evilpush.apple.com.example/x":                    false,
		"not a url":                                               false,
		"https://user@fcm.googleapis.com@127.0.0.1/x":             false,
		"https://169.254.169.254/latest/meta-data":                false,
		"https://fcm.googleapis.com:8443/x":                       true,
		"ftp://fcm.googleapis.com/x":                              false,
		"https://push.apple.com/x":                                false,
		"https://a.b.push.apple.com/x":                            true,
		"https://FCM.GOOGLEAPIS.COM/fcm/send/abc":                 true,
		"https://fcm.googleapis.com/fcm/send/abc#frag":            true,
		"https://[::1]/x":                                         false,
		"https://fcm.googleapis.com./x":                           false,
		"https://xn--fcm-googleapis-com.example/x":                false,
		"https://notify.windows.com/x":                            false,
		"https://wns2-par02p.notify.windows.com/w/?token=BQYAAAA": true,
	} {
		if got := s.CheckEndpoint(endpoint) == nil; got != ok {
			t.Errorf("%s: allowed %v, want %v", endpoint, got, ok)
		}
	}
}
