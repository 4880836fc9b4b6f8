package dataplane

// OpenLinks opens the kernel sockets of cfg's WAN links (edge/wgbind),
// for the tests that run sites over real UDP on the loopback interface.
var OpenLinks = openLinks
