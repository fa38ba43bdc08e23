// Package pushtest is a browser's side of Web Push for tests: a key pair,
// an auth secret, and a push service on loopback that decrypts what
// arrives as the browser would (RFC 8291, RFC 8188).
package pushtest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/schulhof/schulhof"
)

// Browser is a browser's side of a subscription: its key pair and auth
// secret, and a push service on loopback that decrypts what arrives the
// way the browser would (RFC 8291, RFC 8188).
type Browser struct {
	Key      *ecdh.PrivateKey
	Auth     []byte
	Server   *httptest.Server
	Received chan Delivery
	Status   atomic.Int32 // what the push service answers
}

// Delivery is one notification as the browser decrypted it.
type Delivery struct {
	Payload       []byte
	Authorization string
	Topic, TTL    string
}

func NewBrowser(t *testing.T) *Browser {
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b := &Browser{Key: key, Auth: make([]byte, 16), Received: make(chan Delivery, 10)}
	b.Status.Store(http.StatusCreated)
	rand.Read(b.Auth)
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		plain, err := b.decrypt(body)
		if err != nil || r.Header.Get("Content-Encoding") != "aes128gcm" {
			t.Errorf("push service: %v (encoding %q)", err, r.Header.Get("Content-Encoding"))
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		b.Received <- Delivery{plain, r.Header.Get("Authorization"), r.Header.Get("Topic"), r.Header.Get("TTL")}
		w.WriteHeader(int(b.Status.Load()))
	}))
	t.Cleanup(b.Server.Close)
	return b
}

func (b *Browser) Subscription(path string) *schulhof.PushSubscription {
	enc := base64.RawURLEncoding.EncodeToString
	return &schulhof.PushSubscription{Endpoint: b.Server.URL + path, P256dh: enc(b.Key.PublicKey().Bytes()), Auth: enc(b.Auth)}
}

func hmacSHA256(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

func (b *Browser) decrypt(body []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("short body")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if idlen != 65 || len(body) < 21+idlen || rs < 18 {
		return nil, errors.New("bad header")
	}
	asPublic, ciphertext := body[21:21+idlen], body[21+idlen:]
	as, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		return nil, err
	}
	secret, err := b.Key.ECDH(as)
	if err != nil {
		return nil, err
	}
	info := append(append([]byte("WebPush: info\x00"), b.Key.PublicKey().Bytes()...), asPublic...)
	ikm := hmacSHA256(hmacSHA256(b.Auth, secret), info, []byte{1})
	prk := hmacSHA256(salt, ikm)
	cek := hmacSHA256(prk, []byte("Content-Encoding: aes128gcm\x00"), []byte{1})[:16]
	nonce := hmacSHA256(prk, []byte("Content-Encoding: nonce\x00"), []byte{1})[:12]
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		return nil, err
	}
	end := len(plain) - 1
	for end >= 0 && plain[end] == 0 {
		end--
	}
	if end < 0 || plain[end] != 2 {
		return nil, errors.New("no last-record delimiter")
	}
	return plain[:end], nil
}
