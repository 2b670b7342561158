package main

// The tunnel's rules, end to end over real loopback TCP: a client connects to a tunnel listening on
// 127.0.0.x, a target listens on another loopback port, and a fake resolver plays Docker's DNS.
// Each refusal case keeps every other rule satisfied, so removing the rule it names would let the
// connection through and fail the case.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testLineTimeout = 300 * time.Millisecond
	testIdleTimeout = time.Second
	// How long a refused connection may take to close: far below the timeouts a served one would hit.
	refusalWithin = 2 * time.Second
	// The greeting a target sends on accept, so a connection that was wrongly served shows at once.
	greeting = "target-hello\n"
)

// fakeDNS answers like Docker's embedded DNS: reverse names per address, forward lists per name.
type fakeDNS struct {
	reverse map[string][]string
	forward map[string][]string
}

func (f fakeDNS) LookupAddr(_ context.Context, addr string) ([]string, error) {
	if names, ok := f.reverse[addr]; ok {
		return names, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}
}

func (f fakeDNS) LookupHost(_ context.Context, host string) ([]string, error) {
	if addrs, ok := f.forward[host]; ok {
		return addrs, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// vaultTaskDNS makes addr a task of iklimco_vault, as Docker's DNS would.
func vaultTaskDNS(addr string) fakeDNS {
	return fakeDNS{
		reverse: map[string][]string{addr: {"iklimco_vault.1.k2j3q4w5e6r7t8y9u0i1o2p3a.iklimco-net."}},
		forward: map[string][]string{"tasks.iklimco_vault": {"10.0.1.9", addr}},
	}
}

// target is a TCP server that greets, then echoes each chunk back prefixed with "echo:".
type target struct {
	listener net.Listener
	accepted atomic.Int32
	mu       sync.Mutex
	received bytes.Buffer
	closed   chan struct{} // gets a value each time a served connection ends
}

func startTarget(t *testing.T, host string) *target {
	t.Helper()
	listener, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	tg := &target{listener: listener, closed: make(chan struct{}, 16)}
	t.Cleanup(func() { listener.Close() })
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			tg.accepted.Add(1)
			go tg.serve(conn)
		}
	}()
	return tg
}

func (tg *target) serve(conn net.Conn) {
	defer func() {
		conn.Close()
		tg.closed <- struct{}{}
	}()
	if _, err := io.WriteString(conn, greeting); err != nil {
		return
	}
	buf := make([]byte, 1024)
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			tg.mu.Lock()
			tg.received.Write(buf[:n])
			tg.mu.Unlock()
			if _, werr := conn.Write(append([]byte("echo:"), buf[:n]...)); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (tg *target) port() string {
	return fmt.Sprint(tg.listener.Addr().(*net.TCPAddr).Port)
}

func (tg *target) got() string {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.received.String()
}

// logs collects the tunnel's log lines.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logs) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// waitFor returns the first log line containing want, waiting up to two seconds for it.
func (l *logs) waitFor(t *testing.T, want string) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range l.all() {
			if strings.Contains(line, want) {
				return line
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no log line contains %q; the log:\n%s", want, strings.Join(l.all(), "\n"))
	return ""
}

type options struct {
	host     string // where the tunnel listens; 127.0.0.1 unless a case says otherwise
	ports    []string
	dns      fakeDNS
	networks func() ([]netip.Prefix, error)
}

// overlayOnly is the tunnel's networks in the allowed cases: an overlay that holds neither the
// client side (loopback) nor the targets.
func overlayOnly() ([]netip.Prefix, error) {
	return []netip.Prefix{netip.MustParsePrefix("10.0.1.30/24")}, nil
}

// startTunnel runs a tunnel with test timeouts; it returns its address and its log.
func startTunnel(t *testing.T, o options) (string, *logs) {
	t.Helper()
	if o.host == "" {
		o.host = "127.0.0.1"
	}
	if o.networks == nil {
		o.networks = overlayOnly
	}
	ports := map[string]bool{}
	for _, p := range o.ports {
		ports[p] = true
	}
	l := &logs{}
	tn := &tunnel{
		settings: settings{
			ports:         ports,
			portList:      strings.Join(o.ports, ","),
			services:      []string{"*_vault"},
			lineTimeout:   testLineTimeout,
			lookupTimeout: time.Second,
			dialTimeout:   time.Second,
			idleTimeout:   testIdleTimeout,
			closeGrace:    time.Second,
		},
		resolver: o.dns,
		networks: o.networks,
		dial:     (&net.Dialer{}).DialContext,
		logf:     l.logf,
	}
	listener, err := net.Listen("tcp", net.JoinHostPort(o.host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { listener.Close() })
	go tn.run(listener)
	return listener.Addr().String(), l
}

func dialTunnel(t *testing.T, address string) *net.TCPConn {
	t.Helper()
	conn, err := net.Dial("tcp", address)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn.(*net.TCPConn)
}

// readFor reads whatever arrives within d; it tells whether the peer closed the connection.
func readFor(conn net.Conn, d time.Duration) (string, bool) {
	_ = conn.SetReadDeadline(time.Now().Add(d))
	var got bytes.Buffer
	_, err := io.Copy(&got, conn)
	var timeout net.Error
	closed := err == nil || !(errors.As(err, &timeout) && timeout.Timeout())
	return got.String(), closed
}

// readExactly reads n bytes within two seconds.
func readExactly(t *testing.T, conn net.Conn, n int) string {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, n)
	if _, err := io.ReadFull(conn, buf); err != nil {
		t.Fatalf("reading %d bytes through the tunnel: %v (got %q)", n, err, buf)
	}
	return string(buf)
}

// assertRefused checks that the tunnel closed the connection without a byte, the target saw no
// connection, and the log has exactly one refusal line with the reason.
func assertRefused(t *testing.T, conn net.Conn, tg *target, l *logs, reason string) {
	t.Helper()
	got, closed := readFor(conn, refusalWithin)
	if !closed || got != "" {
		t.Fatalf("want the connection closed with no byte, got closed=%v and %q", closed, got)
	}
	if n := tg.accepted.Load(); n != 0 {
		t.Fatalf("the target accepted %d connections, want none", n)
	}
	line := l.waitFor(t, "refused")
	if !strings.Contains(line, reason) {
		t.Fatalf("the refusal line %q does not give the reason %q", line, reason)
	}
	refusals := 0
	for _, line := range l.all() {
		if strings.Contains(line, "refused") {
			refusals++
		}
	}
	if refusals != 1 {
		t.Fatalf("want one refusal line, got %d: %q", refusals, l.all())
	}
}

func TestServesAVaultTaskBothWays(t *testing.T) {
	tg := startTarget(t, "127.0.0.1")
	address, l := startTunnel(t, options{ports: []string{tg.port()}, dns: vaultTaskDNS("127.0.0.1")})
	conn := dialTunnel(t, address)

	// The first bytes of the payload travel in the same write as the line, as a ClientHello does.
	if _, err := io.WriteString(conn, "127.0.0.1:"+tg.port()+"\nhello"); err != nil {
		t.Fatal(err)
	}
	if got := readExactly(t, conn, len(greeting)+len("echo:hello")); got != greeting+"echo:hello" {
		t.Fatalf("through the tunnel: %q", got)
	}
	if _, err := io.WriteString(conn, "again"); err != nil {
		t.Fatal(err)
	}
	if got := readExactly(t, conn, len("echo:again")); got != "echo:again" {
		t.Fatalf("through the tunnel: %q", got)
	}
	// The client's end of stream reaches the target, whose close reaches the client.
	if err := conn.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if rest, closed := readFor(conn, 2*time.Second); !closed || rest != "" {
		t.Fatalf("after the client's end of stream: closed=%v, %q", closed, rest)
	}
	if got := tg.got(); got != "helloagain" {
		t.Fatalf("the target received %q", got)
	}
	line := l.waitFor(t, "closed after")
	if strings.Contains(line, "hello") || strings.Contains(line, "again") {
		t.Fatalf("the log carries payload bytes: %q", line)
	}
	for _, line := range l.all() {
		if strings.Contains(line, "refused") {
			t.Fatalf("unexpected refusal: %q", line)
		}
	}
}

func TestRefusals(t *testing.T) {
	cases := []struct {
		name string
		// line builds what the client sends from the target's port; otherPort is a second target's.
		line     func(port, otherPort string) string
		dns      fakeDNS
		networks func() ([]netip.Prefix, error)
		reason   string
	}{
		{
			name: "a port that is not allowed",
			line: func(_, other string) string { return "127.0.0.1:" + other + "\n" },
			// Both ports belong to the same Vault task: only the port rule stands in the way.
			dns:    vaultTaskDNS("127.0.0.1"),
			reason: "is not allowed (allowed: ",
		},
		{
			name:   "a host name instead of an address",
			line:   func(port, _ string) string { return "localhost:" + port + "\n" },
			dns:    vaultTaskDNS("127.0.0.1"),
			reason: "not an IP address",
		},
		{
			name: "an address whose reverse name is another service's task",
			line: func(port, _ string) string { return "127.0.0.1:" + port + "\n" },
			dns: fakeDNS{
				reverse: map[string][]string{"127.0.0.1": {"iklimco_temporal.1.x9y8z7.iklimco-net."}},
				forward: map[string][]string{"tasks.iklimco_temporal": {"127.0.0.1"}},
			},
			reason: "the service iklimco_temporal is not allowed",
		},
		{
			name: "an address whose reverse name is a plain container's, not a task's",
			line: func(port, _ string) string { return "127.0.0.1:" + port + "\n" },
			dns: fakeDNS{
				// A container named like the service, on a bed where the service also runs here.
				reverse: map[string][]string{"127.0.0.1": {"iklimco_vault.iklimco-net."}},
				forward: map[string][]string{"tasks.iklimco_vault": {"127.0.0.1"}},
			},
			reason: "is not a swarm task's name",
		},
		{
			name: "a spoofed reverse name: an allowed service that does not list the address",
			line: func(port, _ string) string { return "127.0.0.1:" + port + "\n" },
			dns: fakeDNS{
				reverse: map[string][]string{"127.0.0.1": {"iklimco_vault.1.k2j3q4.iklimco-net."}},
				forward: map[string][]string{"tasks.iklimco_vault": {"10.0.1.9", "10.0.1.10"}},
			},
			reason: "not among tasks.iklimco_vault",
		},
		{
			name:   "an address with no reverse name (a service's virtual IP, the gateway)",
			line:   func(port, _ string) string { return "127.0.0.1:" + port + "\n" },
			dns:    fakeDNS{forward: map[string][]string{"tasks.iklimco_vault": {"127.0.0.1"}}},
			reason: "no reverse DNS name",
		},
		{
			name: "an overlong line",
			// A valid target after the limit: without the limit it would be served.
			line:   func(port, _ string) string { return strings.Repeat(" ", 300) + "127.0.0.1:" + port + "\n" },
			dns:    vaultTaskDNS("127.0.0.1"),
			reason: "no newline within 256 bytes",
		},
		{
			name: "no newline within the line timeout",
			// A valid target, but the line never ends.
			line:   func(port, _ string) string { return "127.0.0.1:" + port },
			dns:    vaultTaskDNS("127.0.0.1"),
			reason: "no target line within " + testLineTimeout.String(),
		},
		{
			name: "a client that reached the tunnel on the target's own network",
			line: func(port, _ string) string { return "127.0.0.1:" + port + "\n" },
			dns:  vaultTaskDNS("127.0.0.1"),
			networks: func() ([]netip.Prefix, error) {
				return []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8")}, nil
			},
			reason: "on the target's own network 127.0.0.1/8",
		},
		{
			name: "the tunnel's interfaces cannot be listed",
			line: func(port, _ string) string { return "127.0.0.1:" + port + "\n" },
			dns:  vaultTaskDNS("127.0.0.1"),
			networks: func() ([]netip.Prefix, error) {
				return nil, errors.New("netlink: permission denied")
			},
			reason: "listing the tunnel's interfaces",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tg := startTarget(t, "127.0.0.1")
			other := startTarget(t, "127.0.0.1")
			address, l := startTunnel(t, options{
				ports:    []string{tg.port()},
				dns:      c.dns,
				networks: c.networks,
			})
			conn := dialTunnel(t, address)
			if _, err := io.WriteString(conn, c.line(tg.port(), other.port())); err != nil {
				t.Fatal(err)
			}
			assertRefused(t, conn, tg, l, c.reason)
			if n := other.accepted.Load(); n != 0 {
				t.Fatalf("the other target accepted %d connections, want none", n)
			}
		})
	}
}

// The bind rule refuses only a client on the target's own network: one that reached the tunnel on
// another interface (the published port, through the gateway bridge) is served.
func TestServesAClientOnAnotherNetwork(t *testing.T) {
	tg := startTarget(t, "127.0.0.3")
	address, l := startTunnel(t, options{
		host:  "127.0.0.2", // the tunnel's "gateway bridge" side
		ports: []string{tg.port()},
		dns:   vaultTaskDNS("127.0.0.3"),
		networks: func() ([]netip.Prefix, error) {
			return []netip.Prefix{
				netip.MustParsePrefix("127.0.0.2/32"), // gateway bridge
				netip.MustParsePrefix("127.0.0.3/32"), // overlay, with the target
			}, nil
		},
	})
	conn := dialTunnel(t, address)
	if _, err := io.WriteString(conn, "127.0.0.3:"+tg.port()+"\n"); err != nil {
		t.Fatal(err)
	}
	if got := readExactly(t, conn, len(greeting)); got != greeting {
		t.Fatalf("through the tunnel: %q; the log: %q", got, l.all())
	}
}

func TestIdleTimeoutClosesAPipedConnection(t *testing.T) {
	tg := startTarget(t, "127.0.0.1")
	address, l := startTunnel(t, options{ports: []string{tg.port()}, dns: vaultTaskDNS("127.0.0.1")})
	conn := dialTunnel(t, address)
	if _, err := io.WriteString(conn, "127.0.0.1:"+tg.port()+"\n"); err != nil {
		t.Fatal(err)
	}
	readExactly(t, conn, len(greeting))

	// Traffic keeps it open well past the idle timeout: the timeout counts silence, not age.
	for i := 0; i < 8; i++ {
		time.Sleep(testIdleTimeout / 4)
		if _, err := io.WriteString(conn, "x"); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		readExactly(t, conn, len("echo:x"))
	}

	// Then silence: both sides are closed about one idle timeout later.
	silent := time.Now()
	got, closed := readFor(conn, 3*testIdleTimeout)
	if !closed || got != "" {
		t.Fatalf("after %s of silence: closed=%v, %q", time.Since(silent), closed, got)
	}
	if waited := time.Since(silent); waited < testIdleTimeout*3/4 {
		t.Fatalf("closed after %s of silence, before the idle timeout %s", waited, testIdleTimeout)
	}
	select {
	case <-tg.closed:
	case <-time.After(2 * time.Second):
		t.Fatal("the target's side was not closed")
	}
	l.waitFor(t, "idle for "+testIdleTimeout.String())
}

func TestSettingsFromEnv(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(name string) string { return vars[name] }
	}
	s, err := settingsFromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.portList != "8200" || strings.Join(s.services, ",") != "*_vault" || s.idleTimeout != time.Minute {
		t.Fatalf("defaults: ports %s, services %v, idle %s", s.portList, s.services, s.idleTimeout)
	}
	s, err = settingsFromEnv(env(map[string]string{
		"TUNNEL_ALLOWED_PORTS":    "8200, 8300",
		"TUNNEL_ALLOWED_SERVICES": "iklimco_vault, staging_*",
		"TUNNEL_IDLE_TIMEOUT":     "90s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !s.ports["8300"] || strings.Join(s.services, ",") != "iklimco_vault,staging_*" || s.idleTimeout != 90*time.Second {
		t.Fatalf("parsed: ports %v, services %v, idle %s", s.ports, s.services, s.idleTimeout)
	}
	for _, bad := range []map[string]string{
		{"TUNNEL_ALLOWED_PORTS": "8200,http"},
		{"TUNNEL_ALLOWED_PORTS": "08200"},
		{"TUNNEL_ALLOWED_PORTS": "70000"},
		{"TUNNEL_ALLOWED_SERVICES": "*"},
		{"TUNNEL_ALLOWED_SERVICES": "*vault*"},
		{"TUNNEL_ALLOWED_SERVICES": "iklimco_*_vault"},
		{"TUNNEL_ALLOWED_SERVICES": "iklimco_vault,"},
		{"TUNNEL_ALLOWED_SERVICES": "tasks.iklimco_vault"},
		{"TUNNEL_IDLE_TIMEOUT": "60"},
		{"TUNNEL_IDLE_TIMEOUT": "0s"},
		{"TUNNEL_IDLE_TIMEOUT": "-5s"},
	} {
		if _, err := settingsFromEnv(env(bad)); err == nil {
			t.Errorf("%v: accepted, want an error", bad)
		}
	}
}

func TestServiceMatches(t *testing.T) {
	cases := []struct {
		pattern, service string
		want             bool
	}{
		{"*_vault", "iklimco_vault", true},
		{"*_vault", "vbt1a2b3c4d_vault", true},
		{"*_vault", "_vault", false},
		{"*_vault", "iklimco_vault2", false},
		{"*_vault", "iklimco_temporal", false},
		{"iklimco_vault", "iklimco_vault", true},
		{"iklimco_vault", "other_vault", false},
		{"iklimco_*", "iklimco_vault", true},
		{"iklimco_*", "iklimco_", false},
		{"iklimco_*", "staging_vault", false},
	}
	for _, c := range cases {
		if got := serviceMatches(c.pattern, c.service); got != c.want {
			t.Errorf("serviceMatches(%q, %q) = %v, want %v", c.pattern, c.service, got, c.want)
		}
	}
}

func TestTaskService(t *testing.T) {
	cases := []struct {
		name, service string
		ok            bool
	}{
		{"iklimco_vault.1.k2j3q4w5e6r7t8y9u0i1o2p3a.iklimco-net.", "iklimco_vault", true},
		{"iklimco_vault.1.k2j3q4w5e6r7t8y9u0i1o2p3a.iklimco-net", "iklimco_vault", true},
		{"monitor_agent.nodeid123.taskid456.iklimco-net.", "monitor_agent", true}, // a global service
		{"vault-bootstrap-tunnel.iklimco-net.", "", false},
		{"iklimco_vault.iklimco-net.", "", false},
		{"iklimco_vault..k2j3.iklimco-net.", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		service, ok := taskService(c.name)
		if service != c.service || ok != c.ok {
			t.Errorf("taskService(%q) = %q, %v; want %q, %v", c.name, service, ok, c.service, c.ok)
		}
	}
}

func TestPrefixOfComparesIPv4WithIPv4(t *testing.T) {
	// net.Interface.Addrs gives IPv4 addresses in their 16-byte form with a 4-byte mask.
	p, ok := prefixOf(&net.IPNet{IP: net.ParseIP("10.0.1.30"), Mask: net.CIDRMask(24, 32)})
	if !ok || p != netip.MustParsePrefix("10.0.1.30/24") {
		t.Fatalf("prefixOf: %v, %v", p, ok)
	}
	if !p.Contains(netip.MustParseAddr("10.0.1.3")) || p.Contains(netip.MustParseAddr("172.18.0.1")) {
		t.Fatalf("%v contains the wrong addresses", p)
	}
	p, ok = prefixOf(&net.IPNet{IP: net.ParseIP("10.0.1.30"), Mask: net.CIDRMask(120, 128)})
	if !ok || p != netip.MustParsePrefix("10.0.1.30/24") {
		t.Fatalf("prefixOf with a 16-byte mask: %v, %v", p, ok)
	}
}
