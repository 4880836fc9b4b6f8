// Package pki is the controller's certificate authority and the edges'
// side of it: the root CA in the controller's data directory, the
// controller's TLS server certificate, edge and operator (admin) client
// certificates whose identity is a SPIFFE URI SAN, the check a TLS server
// runs on every handshake (chain to our CA, client-auth usage, identity,
// revocation), the edge's persisted credentials, and one-time join tokens.
//
// Keys are ECDSA P-256; everything is the standard library. The package
// does no I/O beyond the files it is asked to read or write, never logs,
// and never puts a private key or a join token in an error. See
// docs/PKI.md.
package pki
