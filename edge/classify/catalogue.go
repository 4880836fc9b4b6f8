package classify

// builtin is the catalogue behind the configured applications, most
// specific first: the conferencing services (by their own domains,
// prefixes and ports) come before the generic RTP range, which overlaps
// Google Meet's ports, and before the generic web ports, so that a TLS
// flow to one of them is upgraded once its SNI or DNS name is known. Ports and prefixes are the server's
// side (see MatchConfig). Each entry's Source is the document its values
// come from.
var builtin = []AppConfig{
	{
		Name: "dns", Class: ClassInteractive,
		Source: "RFC 1035 §4.2 (UDP and TCP 53), RFC 7858 (DNS over TLS, TCP 853)",
		Match:  MatchConfig{Protocols: []string{"udp", "tcp"}, Ports: []string{"53"}},
		MatchAny: []MatchConfig{
			{Protocols: []string{"tcp"}, Ports: []string{"853"}},
		},
	},
	{
		Name: "sip", Class: ClassVoice,
		Source: "RFC 3261 §19.1.1 (default port 5060 for SIP over UDP/TCP, 5061 for SIP over TLS)",
		Match:  MatchConfig{Protocols: []string{"udp", "tcp"}, Ports: []string{"5060"}},
		MatchAny: []MatchConfig{
			{Protocols: []string{"tcp"}, Ports: []string{"5061"}},
		},
	},
	{
		Name: "zoom", Class: ClassVideo,
		Source: "Zoom support, \"Zoom network firewall or proxy server settings\": " +
			"Meetings client TCP 8801-8802, UDP 8801-8810; domains zoom.us, *.zoom.us, *.zoom.com",
		Match: MatchConfig{Domains: []string{"zoom.us", "*.zoom.us", "zoom.com", "*.zoom.com"}},
		MatchAny: []MatchConfig{
			{Protocols: []string{"udp"}, Ports: []string{"8801-8810"}},
			{Protocols: []string{"tcp"}, Ports: []string{"8801-8802"}},
		},
	},
	{
		Name: "teams", Class: ClassVideo,
		Source: "Microsoft 365 URLs and IP address ranges, Teams entries 11 and 12: " +
			"media UDP 3478-3481 to 13.107.64.0/18, 52.112.0.0/14, 52.122.0.0/15, 2603:1063::/38; " +
			"*.teams.microsoft.com, teams.microsoft.com, *.teams.cloud.microsoft, *.lync.com",
		Match: MatchConfig{Domains: []string{"teams.microsoft.com", "*.teams.microsoft.com",
			"teams.cloud.microsoft", "*.teams.cloud.microsoft", "*.lync.com"}},
		MatchAny: []MatchConfig{
			{
				CIDRs:     []string{"13.107.64.0/18", "52.112.0.0/14", "52.122.0.0/15", "2603:1063::/38"},
				Protocols: []string{"udp"}, Ports: []string{"3478-3481"},
			},
		},
	},
	{
		Name: "webex", Class: ClassVideo,
		Source: "Cisco, \"Network Requirements for Webex Services\": media UDP 9000 and " +
			"UDP/TCP 5004; domains *.webex.com, *.wbx2.com, *.ciscospark.com",
		Match: MatchConfig{Domains: []string{"webex.com", "*.webex.com", "*.wbx2.com", "*.ciscospark.com"}},
		MatchAny: []MatchConfig{
			{Protocols: []string{"udp"}, Ports: []string{"9000", "5004"}},
			{Protocols: []string{"tcp"}, Ports: []string{"5004"}},
		},
	},
	{
		Name: "google-meet", Class: ClassVideo,
		Source: "Google Workspace Admin Help, \"Prepare your network for Meet\": media UDP " +
			"19302-19309 to 74.125.250.0/24, 142.250.82.0/24, 2001:4860:4864:5::/64; meet.google.com",
		Match: MatchConfig{Domains: []string{"meet.google.com"}},
		MatchAny: []MatchConfig{
			{
				CIDRs:     []string{"74.125.250.0/24", "142.250.82.0/24", "2001:4860:4864:5::/64"},
				Protocols: []string{"udp"}, Ports: []string{"19302-19309"},
			},
		},
	},
	{
		Name: "rtp", Class: ClassVoice,
		Source: "RFC 4594 (Telephony service class marked EF, RFC 3246); UDP 16384–32767: " +
			"Cisco IOS and Unified CM default RTP port range",
		Match: MatchConfig{DSCP: []string{"ef"}},
		MatchAny: []MatchConfig{
			{Protocols: []string{"udp"}, Ports: []string{"16384-32767"}},
		},
	},
	{
		Name: "ssh", Class: ClassInteractive,
		Source: "RFC 4253 §4.1 (TCP 22)",
		Match:  MatchConfig{Protocols: []string{"tcp"}, Ports: []string{"22"}},
	},
	{
		Name: "rdp", Class: ClassInteractive,
		Source: "Microsoft Learn, \"Change the listening port for Remote Desktop\" (TCP and UDP 3389)",
		Match:  MatchConfig{Protocols: []string{"tcp", "udp"}, Ports: []string{"3389"}},
	},
	{
		Name: "citrix", Class: ClassInteractive,
		Source: "Citrix, \"Communication ports used by Citrix Technologies\": ICA TCP/UDP 1494, " +
			"session reliability (CGP) TCP/UDP 2598",
		Match: MatchConfig{Protocols: []string{"tcp", "udp"}, Ports: []string{"1494", "2598"}},
	},
	{
		Name: "rsync", Class: ClassBulk,
		Source: "rsyncd.conf(5), IANA service registry (TCP 873)",
		Match:  MatchConfig{Protocols: []string{"tcp"}, Ports: []string{"873"}},
	},
	{
		Name: "smb", Class: ClassBulk,
		Source: "Microsoft Learn, SMB over TCP 445 and NetBIOS session service TCP 139 ([MS-SMB2] §2.1)",
		Match:  MatchConfig{Protocols: []string{"tcp"}, Ports: []string{"445", "139"}},
	},
	{
		Name: "nfs", Class: ClassBulk,
		Source: "RFC 7530 §3.1 (NFSv4 on TCP 2049; UDP 2049 for v2/v3)",
		Match:  MatchConfig{Protocols: []string{"tcp", "udp"}, Ports: []string{"2049"}},
	},
	{
		Name: "ftp", Class: ClassBulk,
		Source: "RFC 959 (control TCP 21, active-mode data from TCP 20); IANA service registry (ftps-data 989, ftps 990)",
		Match:  MatchConfig{Protocols: []string{"tcp"}, Ports: []string{"20-21", "989-990"}},
	},
	{
		Name: "bacula", Class: ClassBulk,
		Source: "Bacula main manual, \"Daemon ports\": director 9101, file daemon 9102, storage daemon 9103",
		Match:  MatchConfig{Protocols: []string{"tcp"}, Ports: []string{"9101-9103"}},
	},
	{
		Name: "web", Class: ClassDefault,
		Source: "RFC 9110 §4.2 (HTTP TCP 80, HTTPS TCP 443), RFC 9114 §3.1 (HTTP/3 over QUIC, UDP 443)",
		Match:  MatchConfig{Protocols: []string{"tcp"}, Ports: []string{"80", "443"}},
		MatchAny: []MatchConfig{
			{Protocols: []string{"udp"}, Ports: []string{"443"}},
		},
	},
}

// Builtin returns a copy of the built-in catalogue, in match order.
func Builtin() []AppConfig {
	out := make([]AppConfig, len(builtin))
	copy(out, builtin)
	return out
}
