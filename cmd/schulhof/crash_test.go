package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKillDuringUpload kills the real server (SIGKILL) while a file is
// being uploaded, starts it again, and checks that nothing of the upload
// is visible and that its leftovers are cleaned up.
func TestKillDuringUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	data := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--addr", addr, "--data", data)
		cmd.Env = append(os.Environ(), "SCHULHOF_ADMIN_PASSWORD=operator-passwort", "SCHULHOF_DATABASE_URL=")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitUp(t, base+"/readyz")
		return cmd
	}
	call := func(token, method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	login := func(body string) string {
		st, out := call("", "POST", "/api/v1/auth/login", body)
		if st != 200 {
			t.Fatalf("login: %d %s", st, out)
		}
		var v struct{ Token string }
		json.Unmarshal([]byte(out), &v)
		return v.Token
	}

	srv := start()
	defer func() { srv.Process.Kill(); srv.Wait() }()
	op := login(`{"login":"admin","password":"operator-passwort"}`)
	call(op, "POST", "/api/v1/schools", `{"slug":"gym","name":"Gym","state":"NW"}`)
	_, out := call(op, "POST", "/api/v1/schools/gym/users", `{"login":"lehrer","first_name":"L","last_name":"L","role":"teacher","password":"erstes-passwort"}`)
	var u struct{ ID int64 }
	json.Unmarshal([]byte(out), &u)
	tok := login(`{"school":"gym","login":"lehrer","password":"erstes-passwort"}`)
	if st, out := call(tok, "POST", "/api/v1/me/password", `{"current":"erstes-passwort","new":"zweites-passwort"}`); st != 204 {
		t.Fatalf("password: %d %s", st, out)
	}
	tok = login(`{"school":"gym","login":"lehrer","password":"zweites-passwort"}`)
	home := "/api/v1/schools/gym/spaces/user/" + strconv.FormatInt(u.ID, 10)

	// stream an upload and kill the server while it is being written
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("PUT", base+home+"/files?name=Video.mp4", pr)
	req.Header.Set("Authorization", "Bearer "+tok)
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	chunk := bytes.Repeat([]byte("v"), 1<<20)
	for i := 0; i < 4; i++ {
		pw.Write(chunk)
	}
	tmp := filepath.Join(data, "files", "tmp")
	deadline := time.Now().Add(10 * time.Second)
	for {
		es, _ := os.ReadDir(tmp)
		if len(es) > 0 {
			break // the upload is being written
		}
		if time.Now().After(deadline) {
			t.Fatal("no upload in progress")
		}
		time.Sleep(10 * time.Millisecond)
	}
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	pw.CloseWithError(io.ErrUnexpectedEOF)
	<-done

	// the crash left a half file in tmp, nowhere else
	left, _ := os.ReadDir(tmp)
	if len(left) == 0 {
		t.Fatal("expected the killed upload's temporary file")
	}
	blobs := 0
	filepath.WalkDir(filepath.Join(data, "files", "blobs"), func(_ string, d os.DirEntry, _ error) error {
		if d != nil && !d.IsDir() {
			blobs++
		}
		return nil
	})
	if blobs != 0 {
		t.Fatalf("%d blobs after a killed upload", blobs)
	}
	// an hour later it is no one's: the next start removes it
	old := time.Now().Add(-2 * time.Hour)
	for _, e := range left {
		os.Chtimes(filepath.Join(tmp, e.Name()), old, old)
	}
	srv = start()
	if st, out := call(tok, "GET", home+"/nodes", ""); st != 200 || strings.Contains(out, "Video.mp4") {
		t.Fatalf("after restart: %d %s", st, out)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("temporary files left after restart: %d", len(left))
	}
	// and the store still works
	if st, out := call(tok, "PUT", home+"/files?name=Video.mp4", "ganz"); st != 201 {
		t.Fatalf("upload after restart: %d %s", st, out)
	}
}
