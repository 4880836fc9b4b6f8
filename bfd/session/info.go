package session

import (
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
)

// Info is a snapshot of a session's negotiated state, for status output.
type Info struct {
	State            packet.State  `json:"state"`
	RemoteState      packet.State  `json:"remote_state"`
	LocalDiag        packet.Diag   `json:"diag"`
	LocalDiscr       uint32        `json:"local_discriminator"`
	RemoteDiscr      uint32        `json:"remote_discriminator"`
	TxInterval       time.Duration `json:"tx_interval_ns"`
	DetectionTime    time.Duration `json:"detection_time_ns"`
	RemoteMinRx      time.Duration `json:"remote_min_rx_ns"`
	RemoteDesiredTx  time.Duration `json:"remote_desired_tx_ns"`
	RemoteDetectMult uint8         `json:"remote_multiplier"`
	Polling          bool          `json:"poll_in_progress"`
	AdvertisedTx     time.Duration `json:"advertised_tx_ns"`
	AdvertisedRx     time.Duration `json:"advertised_rx_ns"`
	LastReceived     time.Time     `json:"last_received"`
}

// Info returns a snapshot of the session.
func (s *Session) Info() Info {
	return Info{
		State: s.state, RemoteState: s.remoteState, LocalDiag: s.localDiag,
		LocalDiscr: s.localDiscr, RemoteDiscr: s.remoteDiscr,
		TxInterval: s.TxInterval(), DetectionTime: s.DetectionTime(),
		RemoteMinRx: s.remoteMinRx, RemoteDesiredTx: s.remoteDesiredTx,
		RemoteDetectMult: s.remoteDetectMult, Polling: s.polling,
		AdvertisedTx: s.advTx, AdvertisedRx: s.advRx, LastReceived: s.lastRx,
	}
}
