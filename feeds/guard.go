package feeds

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrPrivateAddress is returned when a URL resolves to an address the
// fetcher must not reach: loopback, private, link-local, CGNAT and the like.
// Feeds and user-sent links are untrusted input; without this guard a link
// could make the bot probe the cloud metadata service or the Redis next to it.
var ErrPrivateAddress = errors.New("address not allowed")

// ErrScheme is returned for URLs whose scheme is not http or https.
var ErrScheme = errors.New("scheme not allowed")

// ErrPort is returned for URLs whose port is not in FetcherOptions.Ports.
var ErrPort = errors.New("port not allowed")

// blockedPrefixes lists the ranges that are neither loopback, private,
// link-local, unspecified nor multicast by net/netip's own predicates but
// still must not be reached from the public side.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // CGNAT (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, includes broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64 maps onto IPv4 space
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2002::/16"),       // 6to4 embeds IPv4
	netip.MustParsePrefix("2001::/32"),       // Teredo embeds IPv4
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("::ffff:0:0:0/96"), // IPv4-translated (SIIT)
	// IPv4-compatible (deprecated, RFC 4291): ::127.0.0.1 is not loopback
	// to net/netip, but a stack that still honours these would reach the
	// IPv4 address it embeds. Also holds :: and ::1.
	netip.MustParsePrefix("::/96"),
}

// AllowedAddr reports whether the fetcher may connect to ip when private
// targets are not allowed. IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) are
// judged by the IPv4 address they carry, so they cannot smuggle a loopback
// target past the check.
func AllowedAddr(ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// guardControl is a net.Dialer.Control hook. It runs after DNS resolution,
// on the exact address being dialled, so DNS rebinding (a name that resolves
// to a public address at check time and a private one at connect time) and
// redirects to private hosts are both caught.
func guardControl(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("unparsable %s address %q: %w", network, address, ErrPrivateAddress)
	}
	if !AllowedAddr(ap.Addr()) {
		return fmt.Errorf("%s is not public: %w", ap.Addr(), ErrPrivateAddress)
	}
	return nil
}

// checkURL refuses schemes other than http and https, URLs without a host
// and, when ports is not empty, ports not in it. It runs before every
// request and every redirect; the address check itself happens at dial time.
// With no proxy the port dialled is the URL's, so checking it here covers
// redirects too.
func checkURL(u *url.URL, allowPrivate bool, ports []int) error {
	switch u.Scheme {
	case "http", "https":
	default:
		return fmt.Errorf("%q: %w", u.Scheme, ErrScheme)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("no host in URL: %w", ErrScheme)
	}
	if len(ports) > 0 {
		port := 80
		if u.Scheme == "https" {
			port = 443
		}
		if p := u.Port(); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				return fmt.Errorf("port %q: %w", p, ErrPort)
			}
			port = n
		}
		if !slices.Contains(ports, port) {
			return fmt.Errorf("port %d: %w", port, ErrPort)
		}
	}
	if !allowPrivate {
		// Literal addresses are refused before dialling, so the refusal holds
		// even with a caller-supplied Transport; names are checked at dial time.
		if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil && !AllowedAddr(ip) {
			return fmt.Errorf("host %s: %w", host, ErrPrivateAddress)
		}
	}
	return nil
}

// newDialer returns the dialer used by the fetcher's transports; guarded
// dialers refuse non-public addresses.
func newDialer(guarded bool) *net.Dialer {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if guarded {
		d.Control = guardControl
	}
	return d
}
