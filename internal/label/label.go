// Package label is the one rule for the names Patronus configurations
// give to things: sites, links, link colours, SLA classes, applications
// and policies.
//
// A name is 1 to 32 characters of lowercase letters, digits, '-' and '_',
// starting and ending with a letter or digit. It is the union of the two
// rules that existed before (edge labels without '_', application names
// with it), so every name either accepted before is still accepted: the
// controller's stored policy sets and the edges' files keep loading.
// Names fit in a Prometheus label, a path ID (site/link->site/link), a
// YAML key and a URL path segment without quoting. A colon is never
// allowed, which leaves "class:NAME" free for generated names.
package label

import "fmt"

// MaxLen is the longest name.
const MaxLen = 32

// Check returns what is wrong with name, or "" when it is a good name.
func Check(name string) string {
	if name == "" {
		return "required"
	}
	if len(name) > MaxLen {
		return fmt.Sprintf("%q is longer than %d characters", name, MaxLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		inner := i > 0 && i < len(name)-1
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || inner && (c == '-' || c == '_')) {
			return fmt.Sprintf("%q: use lowercase letters, digits, '-' and '_', starting and ending with a letter or digit", name)
		}
	}
	return ""
}
