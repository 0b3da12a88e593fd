package tools

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"code.dny.dev/ssrf"
)

// guardian refuses loopback, private, link-local, multicast… addresses on
// any port (a service on a public address may use any port).
var guardian = ssrf.New(ssrf.WithAnyPort())

// AllowEntry is one entry of a workspace's settings.http_allowlist: an IP
// address or a CIDR range, or a host name (".example.com" or
// "*.example.com" for its subdomains too), each with an optional port
// ("crm.internal:8443", "10.0.0.5:8080", "[fd00::5]:443"); without a port
// every port is allowed.
//
// An address or a range allows exactly what it says, loopback and the
// metadata address 169.254.169.254 included. A host name allows the
// private addresses it resolves to (10/8, 172.16/12, 192.168/16, fc00::/7)
// but not loopback, link-local or metadata ones: a name whose DNS an
// attacker controls must not reach 127.0.0.1 or 169.254.169.254. List the
// address itself for that.
type AllowEntry struct {
	Prefix netip.Prefix // for an address or a range
	Host   string       // for a name: lower case; a leading "." also allows subdomains
	Port   int          // 0: any port
}

var hostRe = regexp.MustCompile(`^\.?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)

// ParseAllowEntry reads one allow-list entry; the error says what is
// wrong and what would be valid.
func ParseAllowEntry(s string) (AllowEntry, error) {
	e := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
	if e == "" {
		return AllowEntry{}, errors.New("the entry is empty")
	}
	if p, err := netip.ParsePrefix(e); err == nil {
		return AllowEntry{Prefix: p.Masked()}, nil
	} else if strings.Contains(e, "/") {
		return AllowEntry{}, fmt.Errorf("%q is not a valid CIDR range (%v); write it like 10.0.0.0/8 or fd00::/8", s, err)
	}
	if a, err := netip.ParseAddr(e); err == nil {
		a = a.Unmap()
		return AllowEntry{Prefix: netip.PrefixFrom(a, a.BitLen())}, nil
	}
	host, port := e, 0
	if h, p, err := net.SplitHostPort(e); err == nil {
		n, perr := strconv.Atoi(p)
		if perr != nil || n < 1 || n > 65535 {
			return AllowEntry{}, fmt.Errorf("%q: the port %q is not a number from 1 to 65535", s, p)
		}
		host, port = h, n
	}
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		a = a.Unmap()
		return AllowEntry{Prefix: netip.PrefixFrom(a, a.BitLen()), Port: port}, nil
	}
	host = strings.TrimPrefix(host, "*")
	if !hostRe.MatchString(host) {
		return AllowEntry{}, fmt.Errorf("%q is not a host name, an IP address or a CIDR range; valid entries look like "+
			"crm.internal, .example.com, crm.internal:8443, 10.0.0.5, 10.0.0.5:8080, 10.0.0.0/8 or [fd00::5]:443", s)
	}
	return AllowEntry{Host: host, Port: port}, nil
}

// guard is the SSRF guard of one workspace: the guardian, except for the
// entries of its http_allowlist.
type guard struct{ entries []AllowEntry }

// newGuard reads the allow-list; an entry that does not parse allows
// nothing (apply refuses such entries).
func newGuard(allowlist []string) *guard {
	g := &guard{}
	for _, s := range allowlist {
		if e, err := ParseAllowEntry(s); err == nil {
			g.entries = append(g.entries, e)
		}
	}
	return g
}

func portOK(e AllowEntry, port int) bool { return e.Port == 0 || e.Port == port }

// named reports whether host:port is allowed by a name entry.
func (g *guard) named(host string, port int) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, e := range g.entries {
		h := e.Host
		if h == "" || !portOK(e, port) {
			continue
		}
		if host == h || (strings.HasPrefix(h, ".") && (strings.HasSuffix(host, h) || host == h[1:])) {
			return true
		}
	}
	return false
}

// privateOnly is what a name entry lets a name resolve to beyond public
// addresses: private ranges, not loopback, link-local or metadata.
var privateOnly = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("fc00::/7"),
}

// control runs after DNS resolution and before connecting, for every
// address tried, on every redirect hop. byName: the host name dialled is
// allow-listed.
func (g *guard) control(byName bool) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, c syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return &blockedError{addr: address, why: err}
		}
		ip, port := ap.Addr().Unmap(), int(ap.Port())
		for _, e := range g.entries {
			if e.Prefix.IsValid() && e.Prefix.Contains(ip) && portOK(e, port) {
				return nil
			}
		}
		if byName {
			for _, p := range privateOnly {
				if p.Contains(ip) {
					return nil
				}
			}
		}
		if err := guardian.Safe(network, address, c); err != nil {
			return &blockedError{addr: ip.String(), why: err, byName: byName}
		}
		return nil
	}
}

func (g *guard) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, _ := strconv.Atoi(p)
	d := &net.Dialer{KeepAlive: 30 * time.Second, Control: g.control(g.named(host, port))}
	conn, err := d.DialContext(ctx, network, addr)
	var be *blockedError
	if errors.As(err, &be) {
		be.host = host
	}
	return conn, err
}
