package sso

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The keys that sign ID tokens live in the store, so that every node
// signs with the same and publishes all. A new key is published
// keyWarmUp before it signs: every node's cache and every client that
// just fetched the key set know it before a token carries it. The one
// before stays published KeyPublishedAfter longer than it signs.
const keyWarmUp = 5 * time.Minute

// keyRing reads the keys, a few seconds cached.
type keyRing struct {
	m     *Module
	cache *kit.Cache[struct{}, []*parsedKey]
}

type parsedKey struct {
	id  string
	key *rsa.PrivateKey
	at  time.Time
}

func (k *parsedKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *parsedKey) Key() any                                    { return k.key }
func (k *parsedKey) ID() string                                  { return k.id }

// publicKey is a key of the published set.
type publicKey struct{ *parsedKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return k.key.Public() }

func newKeyRing(m *Module) *keyRing {
	return &keyRing{m: m, cache: kit.Shared(m.Deps, "sso.keys", kit.NewCacheOn[struct{}, []*parsedKey](30*time.Second, 1, m.Now))}
}

// all are the published keys, newest first; the first call of an
// installation makes one.
func (kr *keyRing) all(ctx context.Context) ([]*parsedKey, error) {
	return kr.cache.Get(struct{}{}, func() ([]*parsedKey, error) {
		keys, err := kr.m.db.FindOIDCKeys(ctx, kr.m.Now())
		if err != nil {
			return nil, err
		}
		if len(keys) == 0 {
			if _, err := kr.rotate(ctx); err != nil {
				return nil, err
			}
			if keys, err = kr.m.db.FindOIDCKeys(ctx, kr.m.Now()); err != nil {
				return nil, err
			}
		}
		out := make([]*parsedKey, 0, len(keys))
		for _, k := range keys {
			p, err := x509.ParsePKCS8PrivateKey(k.PrivateKey)
			if err != nil {
				return nil, fmt.Errorf("oidc key %s: %w", k.ID, err)
			}
			rk, ok := p.(*rsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("oidc key %s is not RSA", k.ID)
			}
			out = append(out, &parsedKey{id: k.ID, key: rk, at: k.CreatedAt})
		}
		return out, nil
	})
}

// signing is the newest key published for keyWarmUp, or the oldest
// when none is that old yet (the very first).
func (kr *keyRing) signing(ctx context.Context) (op.SigningKey, error) {
	keys, err := kr.all(ctx)
	if err != nil {
		return nil, err
	}
	now := kr.m.Now()
	for _, k := range keys {
		if now.Sub(k.at) >= keyWarmUp {
			return k, nil
		}
	}
	return keys[len(keys)-1], nil
}

// published is the key set at /oidc/keys.
func (kr *keyRing) published(ctx context.Context) ([]op.Key, error) {
	keys, err := kr.all(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, len(keys))
	for i, k := range keys {
		out[i] = publicKey{k}
	}
	return out, nil
}

// rotateIfDue makes the next key when the newest is KeyFor old.
func (kr *keyRing) rotateIfDue(ctx context.Context) (bool, error) {
	keys, err := kr.all(ctx)
	if err != nil {
		return false, err
	}
	if kr.m.Now().Sub(keys[0].at) < KeyFor {
		return false, nil
	}
	added, err := kr.rotate(ctx)
	kr.cache.Clear()
	return added, err
}

// rotate makes a new key; the others stay published KeyPublishedAfter
// after it begins to sign. Of nodes rotating at once, one adds a key.
func (kr *keyRing) rotate(ctx context.Context) (bool, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return false, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return false, err
	}
	now := kr.m.Now()
	added, err := kr.m.db.RotateOIDCKey(ctx, &schulhof.OIDCKey{ID: strings.ToLower(rand.Text()[:16]), PrivateKey: der},
		now.Add(-KeyFor), now.Add(keyWarmUp+KeyPublishedAfter))
	return added, err
}
