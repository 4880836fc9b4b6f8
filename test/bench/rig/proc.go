package rig

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat times (100 on Linux).
const clockTicks = 100

// ProcStat is what /proc/PID/stat says about CPU time and memory.
type ProcStat struct {
	PPID           int
	UTime, STime   uint64 // ticks
	CUTime, CSTime uint64 // ticks, of waited-for children
	RSSPages       int64
}

// ReadProcStat reads /proc/PID/stat.
func ReadProcStat(pid int) (ProcStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ProcStat{}, err
	}
	// The command name is in parentheses and may contain spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 > len(s) {
		return ProcStat{}, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	f := strings.Fields(s[i+2:]) // f[0] is field 3 (state)
	if len(f) < 22 {
		return ProcStat{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	u := func(k int) uint64 { v, _ := strconv.ParseUint(f[k-3], 10, 64); return v }
	return ProcStat{PPID: int(u(4)), UTime: u(14), STime: u(15), CUTime: u(16), CSTime: u(17), RSSPages: int64(u(24))}, nil
}

// CPUSeconds is a process's user+system time.
func CPUSeconds(pid int) (float64, error) {
	st, err := ReadProcStat(pid)
	if err != nil {
		return 0, err
	}
	return float64(st.UTime+st.STime) / clockTicks, nil
}

// RSSMiB is a process's resident memory in MiB.
func RSSMiB(pid int) (float64, error) {
	st, err := ReadProcStat(pid)
	if err != nil {
		return 0, err
	}
	return float64(st.RSSPages*int64(os.Getpagesize())) / (1 << 20), nil
}

// TreeCPUSeconds is the user+system time of pid and its live children
// plus what its exited children spent (PostgreSQL's postmaster and its
// backends).
func TreeCPUSeconds(pid int) (float64, error) {
	root, err := ReadProcStat(pid)
	if err != nil {
		return 0, err
	}
	total := root.UTime + root.STime + root.CUTime + root.CSTime
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil || p == pid {
			continue
		}
		st, err := ReadProcStat(p)
		if err != nil || st.PPID != pid {
			continue
		}
		total += st.UTime + st.STime
	}
	return float64(total) / clockTicks, nil
}

// SelfCPUSeconds is this process's user+system time.
func SelfCPUSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// LoadAvg is the 1, 5 and 15 minute load averages, as /proc/loadavg
// prints them.
func LoadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// CPUMeter measures the cores a process (and, for a database server, its
// children) used between Start and Stop.
type CPUMeter struct {
	pid   int
	tree  bool
	t0    time.Time
	cpu0  float64
	Cores float64 // after Stop: CPU seconds per wall second
}

// NewCPUMeter measures pid alone, or with tree its children too; pid 0
// measures this process.
func NewCPUMeter(pid int, tree bool) *CPUMeter { return &CPUMeter{pid: pid, tree: tree} }

func (m *CPUMeter) read() float64 {
	switch {
	case m.pid == 0:
		return SelfCPUSeconds()
	case m.tree:
		v, _ := TreeCPUSeconds(m.pid)
		return v
	default:
		v, _ := CPUSeconds(m.pid)
		return v
	}
}

// Start begins an interval.
func (m *CPUMeter) Start() { m.t0, m.cpu0 = time.Now(), m.read() }

// Stop ends the interval and returns the cores used in it.
func (m *CPUMeter) Stop() float64 {
	el := time.Since(m.t0).Seconds()
	if el > 0 {
		m.Cores = (m.read() - m.cpu0) / el
	}
	return m.Cores
}
