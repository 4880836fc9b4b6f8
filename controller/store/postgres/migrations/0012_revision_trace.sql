-- Version 12: the W3C traceparent of the call that made a network's
-- current revision (OpenTelemetry; docs/OBSERVABILITY.md, Traces). The
-- controller sends it with the configuration of that revision, so that
-- each edge's "configuration applied" span joins the trace of the API
-- call. '' when that call was not traced.
ALTER TABLE networks ADD COLUMN revision_trace TEXT NOT NULL DEFAULT '';
