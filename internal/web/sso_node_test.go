package web_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The second, independent relying party: the npm package openid-client,
// as a service on Node.js uses it. It comes from npm once per machine,
// kept in the user's cache by its version.

const openIDClientVersion = "6.9.0"

var openIDClient struct {
	once sync.Once
	dir  string
	err  error
}

// openIDClientDir is a folder with node_modules/openid-client, made
// with npm the first time.
func openIDClientDir() (string, error) {
	openIDClient.once.Do(func() {
		cache, err := os.UserCacheDir()
		if err != nil {
			openIDClient.err = err
			return
		}
		dir := filepath.Join(cache, "schulhof", "openid-client-"+openIDClientVersion)
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "openid-client", "package.json")); err == nil {
			openIDClient.dir = dir
			return
		}
		if openIDClient.err = os.MkdirAll(filepath.Dir(dir), 0o755); openIDClient.err != nil {
			return
		}
		tmp, err := os.MkdirTemp(filepath.Dir(dir), "npm")
		if err != nil {
			openIDClient.err = err
			return
		}
		defer os.RemoveAll(tmp)
		cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix", tmp, "openid-client@"+openIDClientVersion)
		if out, err := cmd.CombinedOutput(); err != nil {
			openIDClient.err = fmt.Errorf("npm install openid-client@%s: %v: %s", openIDClientVersion, err, out)
			return
		}
		os.RemoveAll(dir)
		if openIDClient.err = os.Rename(tmp, dir); openIDClient.err == nil {
			openIDClient.dir = dir
		}
	})
	return openIDClient.dir, openIDClient.err
}

// TestSingleSignOnOpenIDClient runs testdata/sso-openid-client.mjs
// against the provider: code flow with PKCE, the ID token, userinfo,
// refresh with rotation (and the old token refused), introspection,
// revocation and logout.
func TestSingleSignOnOpenIDClient(t *testing.T) {
	dir, err := openIDClientDir()
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join("testdata", "sso-openid-client.mjs"))
	must(t, err)
	// beside its node_modules, where Node finds the package
	run := filepath.Join(dir, fmt.Sprintf("rp-%d.mjs", os.Getpid()))
	must(t, os.WriteFile(run, script, 0o644))
	defer os.Remove(run)

	s := newSSOSite(t, nil)
	const back, bye = "http://127.0.0.1:9/cb", "http://127.0.0.1:9/bye"
	id, secret := s.register(t, "a-admin", "/api/v1/schools/schule-a/sso/clients",
		`{"name":"Lernplattform","redirect_uris":["`+back+`"],"post_logout_redirect_uris":["`+bye+`"],"consent":false}`)
	cmd := exec.Command("node", run)
	cmd.Env = append(os.Environ(), "ISSUER="+s.ts.URL+"/oidc", "CLIENT_ID="+id, "CLIENT_SECRET="+secret, "REDIRECT="+back,
		"LOGOUT_REDIRECT="+bye, "COOKIE=schulhof_session="+s.loginAs(t, "a-student"))
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("node: %v\n%s\n%s", err, out, stderr)
	}
	var got struct {
		Sub, Name, Class, School string
		Userinfo                 struct {
			Name, Role string
			Groups     []string
		}
		Refreshed        bool
		RefreshedSub     string
		Active           bool
		Reuse            string
		ActiveAfterReuse bool
		Revoked          string
		Logout           string
		MeAfterLogout    int
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	t.Logf("openid-client saw %s", out)
	if got.Sub == "" || got.Name != "Student SchuleA" || got.Class != "5a" || got.School != "schule-a" {
		t.Fatalf("id token: %s", out)
	}
	if got.Userinfo.Name != got.Name || got.Userinfo.Role != "student" || len(got.Userinfo.Groups) != 1 || got.Userinfo.Groups[0] != "5a" {
		t.Fatalf("userinfo: %s", out)
	}
	if !got.Refreshed || got.RefreshedSub != got.Sub || !got.Active {
		t.Fatalf("refresh: %s", out)
	}
	if got.Reuse != "invalid_grant" || got.ActiveAfterReuse {
		t.Fatalf("old refresh token again: %s", out)
	}
	if got.Revoked != "invalid_grant" {
		t.Fatalf("revoked refresh token: %s", out)
	}
	if !strings.HasPrefix(got.Logout, bye) || !strings.Contains(got.Logout, "state=bye") || got.MeAfterLogout != 401 {
		t.Fatalf("logout: %s", out)
	}
}
