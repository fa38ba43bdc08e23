package blob

// SetShardFan lets the tests prepare a few shard folders, not 65,536.
func SetShardFan(n int) (restore func()) {
	old := shardFan
	shardFan = n
	return func() { shardFan = old }
}
