// Package policy is the one schema of a network's steering document: SLA
// classes, applications, policies, the steering timers and the quality
// model. Every part of Patronus that reads or writes them uses it:
//
//   - the edge's YAML file (edge/config embeds Set inline, so the keys
//     are the top-level keys of the file);
//   - 'patronus ctl policies get|set FILE' (the same YAML, so a block can
//     be copied between an edge's file and the controller);
//   - the controller (controller/server), which validates a set before
//     storing it, stores it (EncodeDocument, DecodeDocument) and pushes
//     it to the edges inside their EdgeConfig (CopyToEdgeConfig);
//   - the edge agent, which turns an EdgeConfig's steering fields back
//     into a Set (FromEdgeConfig);
//   - the management API, whose policy input is Set's JSON form.
//
// # Forms
//
// A Set has one field naming for YAML and JSON (snake_case, as in the
// edge's file); ParseYAML and ParseJSON refuse unknown fields. Durations
// are strings in Go's form ("150ms", "3s", "1m30s"); an empty string
// takes the default. Scores and percentages are numbers. A policy's mode
// is "best-path" (also ""), "load-balance" or "duplicate". A policy's
// compression is true, false, or absent (the path decides). Ports and
// DSCP values are strings ("443", "16384-32767", "ef"); YAML also takes
// a bare number there, JSON does not.
//
// The protobuf form is pb.PolicySet (admin.proto) and the matching
// fields of pb.EdgeConfig (config.proto). ToProto converts a valid Set;
// FromProto never fails: values a Set cannot hold (an unknown mode, a
// malformed Duration) become text that Validate refuses at their field
// path. Durations come back from FromProto in Go's canonical form
// (time.Duration.String: "1m" becomes "1m0s") and zero durations as ""
// (the default), so Set → proto → Set is the identity for sets written in
// that form, and proto → Set → proto always is.
//
// # Validation
//
// Validate returns every problem at once, each at its field path
// (policies[1].match.applications[0]), as a fielderr.List (Errors here).
// Names follow one rule (internal/label, CheckName). Compile validates and
// builds the runtime form the edge runs (Compiled): the SLA classes with
// the built-ins (edge/quality), the compiled application rules
// (edge/classify), the steering policies with one implicit policy per
// class left over, and the steering timers and quality model
// (edge/steer).
//
// The field-error type lives in internal/fielderr, not here, because
// edge/quality, edge/classify and edge/steer report their own field
// errors with it and this package imports them.
//
// # Defaults
//
// An empty Set is valid and means: the built-in SLA classes (voice,
// video, interactive, bulk, default) and applications, each application
// steered by the implicit best-path policy of its class, and the default
// timers (edge/steer Default*) and thresholds (edge/quality Default*).
// Defaults returns the timers and thresholds written out.
package policy
