package dataplane

import "github.com/patronus-sdwan/patronus/edge/localapi"

// The local API's schema (edge/localapi), which the data plane fills, by
// the names in-process consumers (edge/metrics, BGP, internal/cli) know
// it under here.
type (
	Status         = localapi.Status
	PathStatus     = localapi.PathStatus
	PolicyStatus   = localapi.PolicyStatus
	BFDStatus      = localapi.BFDStatus
	LinkStatus     = localapi.LinkStatus
	FlowStatus     = localapi.FlowStatus
	AppTraffic     = localapi.AppTraffic
	SteeringCounts = localapi.SteeringCounts
	Pin            = localapi.Pin
	FlowSpec       = localapi.FlowSpec
	Changes        = localapi.Changes
)

// Origins of pins.
const (
	OriginLocal      = localapi.OriginLocal
	OriginController = localapi.OriginController
)
