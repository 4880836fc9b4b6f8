package daemon

import "github.com/patronus-sdwan/patronus/controller/remotewrite"

// openRemoteWrite makes the remote-write exporter of the fleet series
// when remote_write.url is set; Serve runs it.
func (d *Daemon) openRemoteWrite() error {
	if !d.cfg.RemoteWrite.Enabled() {
		return nil
	}
	var err error
	d.remote, err = remotewrite.New(d.cfg.RemoteWrite, d.metrics.FleetGatherer(),
		remotewrite.Options{Registerer: d.metrics.Registerer(), Logger: d.log})
	return err
}
