package sqlstore_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// BenchmarkPostMessage: 64 students at a time posting in their classes'
// rooms (10 classes of 30), as a school chatting at once does; the
// messages/s and how many shared a transaction.
//
//	go test ./internal/sqlstore -run '^$' -bench PostMessage
func BenchmarkPostMessage(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			db := sqltest.Fresh(b, backend == "postgres")
			s := MustCreateSchool(b, db, "s")
			var writers []*schulhof.User
			var rooms []schulhof.RoomID
			for c := range 10 {
				var class []*schulhof.User
				for i := range 30 {
					class = append(class, MustCreateUser(b, db, s.ID, fmt.Sprintf("s%d-%d", c, i), schulhof.RoleStudent))
				}
				room := classRoom(b, db, s.ID, fmt.Sprintf("%da", 5+c), nil, class...)
				for _, u := range class {
					writers, rooms = append(writers, u), append(rooms, room)
				}
			}
			batches, writes := db.ChatBatches()
			var next atomic.Int64
			b.SetParallelism(32) // 64 on two cores
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(next.Add(1)) % len(writers)
					if _, err := db.PostMessage(ctx, writers[i], rooms[i], &schulhof.NewMessage{Text: "Hallo"}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			nb, nw := db.ChatBatches()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "messages/s")
			b.ReportMetric(float64(nw-writes)/float64(max(1, nb-batches)), "messages/batch")
		})
	}
}
