package web_test

import (
	"net/http/httptest"
	"testing"
)

// BenchmarkStartPage measures the start page of a logged-in student
// without the network: session lookup, the user's groups, the template.
func BenchmarkStartPage(b *testing.B) {
	f := newFixture(b, nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Cookie", "schulhof_session="+f.token["a-student"])
			rec := httptest.NewRecorder()
			f.srv.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatal(rec.Code)
			}
		}
	})
}
