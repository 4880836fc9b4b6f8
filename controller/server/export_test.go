package server

// SetMaxEdgeConfig lowers the largest configuration sent, for a test; the
// returned func restores it.
func SetMaxEdgeConfig(n int) (restore func()) {
	old := maxEdgeConfig
	maxEdgeConfig = n
	return func() { maxEdgeConfig = old }
}
