package store

import "sort"

// PathName names the path between link al of site a and link bl of site b,
// with a <= b: "a/al~b/bl".
func PathName(a, al, b, bl string) string { return a + "/" + al + "~" + b + "/" + bl }

// DerivePaths lists the paths of a network: for every pair of enrolled
// sites that the topology connects (full mesh: all pairs; hub-and-spoke:
// hub–spoke and hub–hub pairs), one path per (link of one × link of the
// other). links maps a site name to its links. Sorted by name.
func DerivePaths(topo Topology, sites []Site, links map[string][]Link) []Path {
	var live []Site
	for _, s := range sites {
		if s.State == Enrolled {
			live = append(live, s)
		}
	}
	sort.Slice(live, func(i, j int) bool { return live[i].Name < live[j].Name })
	var paths []Path
	for i, a := range live {
		for _, b := range live[i+1:] {
			if topo == HubAndSpoke && a.Role != Hub && b.Role != Hub {
				continue
			}
			for _, al := range links[a.Name] {
				for _, bl := range links[b.Name] {
					paths = append(paths, Path{
						Name: PathName(a.Name, al.Name, b.Name, bl.Name),
						A:    a.Name, ALink: al.Name, B: b.Name, BLink: bl.Name,
					})
				}
			}
		}
	}
	sort.Slice(paths, func(i, j int) bool { return paths[i].Name < paths[j].Name })
	return paths
}
