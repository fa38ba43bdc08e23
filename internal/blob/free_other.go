//go:build !unix

package blob

// Free is unknown here (-1): only the write itself can find a full disk.
func (d *Disk) Free() (int64, error) { return -1, nil }
