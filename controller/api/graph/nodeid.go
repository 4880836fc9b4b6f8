package graph

import (
	"encoding/base64"
	"strings"
)

// Global IDs (nodeId) are "Type:key" in base64url, key naming the object
// within the controller ("default/branch1" for a site): stable for as long
// as the object exists, opaque to clients.

func nodeID(typ string, parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strings.Join(parts, "/")))
}

// parseNodeID returns the type and the key's parts of a global ID.
func parseNodeID(id string) (typ string, parts []string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return "", nil, false
	}
	typ, key, ok := strings.Cut(string(b), ":")
	if !ok || key == "" {
		return "", nil, false
	}
	return typ, strings.Split(key, "/"), true
}
