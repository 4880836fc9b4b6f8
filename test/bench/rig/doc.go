// Package rig is the test bed of the controller's benchmarks
// (test/bench/ctlload, test/bench/apiload): a real `patronus controller`
// run as a separate process on SQLite or on a throwaway PostgreSQL, N sites
// enrolled through it with real join tokens, and N simulated edges in the
// benchmark's own process, each with its own mutual-TLS identity,
// connection and EdgeControl.Report stream, sending what `patronus edge`
// sends once a second. It also reads processes' CPU time and memory from
// /proc, and holds the percentile rule every report uses.
package rig
