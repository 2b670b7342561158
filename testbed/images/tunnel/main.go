// Command tunnel carries TCP connections from the host into the overlay network, to Vault tasks only.
//
// On the test bed the worker runs on the host, but the Vault tasks are reachable only on the overlay
// network iklimco-net, by their task addresses. The tunnel runs as a plain container on that network;
// its :8080 is published on the host's loopback (one-node bed) or on each node's bridge address
// (three-node bed). See docs/tunnel.md.
//
// Protocol: the client connects, writes one line "host:port\n" and from the next byte on talks to
// that target directly; it starts TLS right after the line, so certificate verification stays end to
// end. The tunnel never writes a byte of its own: every refusal just closes the connection, and logs
// one line with the reason (never a byte the client sent after the line).
//
// A target is served only if all of these hold (checked in this order, cheapest first):
//
//  1. The line arrives within lineTimeout and fits in maxLineBytes, newline included.
//  2. Its port is in TUNNEL_ALLOWED_PORTS (comma list, default 8200).
//  3. Its host is an IP literal. The worker always sends a task's address; a name would make the
//     tunnel resolve it, and a name is not what the checks below vouch for.
//  4. The client did not reach the tunnel on the target's own network. The tunnel serves the host
//     side, which arrives through the published port, i.e. on Docker's gateway bridge; a container on
//     iklimco-net that dials the tunnel's overlay address arrives on the overlay interface, the one
//     whose subnet holds the Vault tasks. Such a client can reach Vault itself: relaying for it would
//     only hide who is talking. The rule is: refuse when one of the tunnel's own interface networks
//     contains both the connection's local address (where the client reached us) and the target.
//     Other containers cannot use the gateway bridge instead: Docker creates it with inter-container
//     traffic disabled.
//  5. The target is a task of an allowed Swarm service. Docker's embedded DNS (127.0.0.11, which the
//     container's resolver asks) answers a reverse lookup of a task address with
//     "<service>.<slot>.<task id>.<network>." (e.g. "iklimco_vault.1.k2j3….iklimco-net."; a global
//     service has the node id in place of the slot), a plain container's address with
//     "<container>.<network>.", and a service's virtual IP or the gateway not at all. The service
//     named there must match TUNNEL_ALLOWED_SERVICES (comma list of exact names or globs with one
//     leading or trailing "*"; default "*_vault", every stack's Vault service, which the test bed
//     needs; production sets "iklimco_vault"). Because anyone who can name a container can shape its
//     reverse name, the name is then confirmed forwards: "tasks.<service>", the service's task list in
//     the same DNS, must contain the address.
//     Docker enters a task in its DNS (both records) only once Swarm activates it, which for a
//     service with a healthcheck is after the first healthy check: until then the task is refused.
//     The worker, which talks to a restarted task as soon as it starts (src/activities/health.ts),
//     reaches it through the tunnel up to one healthcheck interval later (3 s on the bed, 15 s in
//     the production stack file).
//
// A piped connection on which no byte moved in either direction for TUNNEL_IDLE_TIMEOUT (a Go
// duration, default 60s) is closed: the worker opens one short-lived connection per request.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

const (
	listenAddress   = ":8080"
	maxLineBytes    = 256 // the target line, newline included
	defaultPorts    = "8200"
	defaultServices = "*_vault"
	defaultIdle     = 60 * time.Second
)

// Resolver is the part of net.Resolver the tunnel uses; tests substitute a fake.
type Resolver interface {
	LookupAddr(ctx context.Context, addr string) ([]string, error)
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// settings are the tunnel's rules and timeouts; the timeouts are fields so tests can shorten them.
type settings struct {
	ports         map[string]bool
	portList      string
	services      []string // exact names or globs, see serviceMatches
	lineTimeout   time.Duration
	lookupTimeout time.Duration
	dialTimeout   time.Duration
	idleTimeout   time.Duration
	// closeGrace is how long the client may keep its side open once the target has finished.
	closeGrace time.Duration
}

type tunnel struct {
	settings
	resolver Resolver
	// networks lists the networks of the tunnel's own interfaces (rule 4).
	networks func() ([]netip.Prefix, error)
	dial     func(ctx context.Context, network, address string) (net.Conn, error)
	logf     func(format string, args ...any)
}

func main() {
	log.SetFlags(log.LstdFlags | log.LUTC)
	s, err := settingsFromEnv(os.Getenv)
	if err != nil {
		log.Fatalf("tunnel: %v", err)
	}
	t := &tunnel{
		settings: s,
		resolver: net.DefaultResolver,
		networks: interfaceNetworks,
		dial:     (&net.Dialer{}).DialContext,
		logf:     log.Printf,
	}
	listener, err := net.Listen("tcp", listenAddress)
	if err != nil {
		log.Fatalf("tunnel: listening on %s: %v", listenAddress, err)
	}
	log.Printf("tunnel: listening on %s; allowed target ports %s, tasks of the services %s; idle timeout %s",
		listenAddress, s.portList, strings.Join(s.services, ","), s.idleTimeout)
	t.run(listener)
}

// settingsFromEnv reads TUNNEL_ALLOWED_PORTS, TUNNEL_ALLOWED_SERVICES and TUNNEL_IDLE_TIMEOUT.
// A value that does not parse stops the tunnel: a typo must not widen or silently change the rules.
func settingsFromEnv(getenv func(string) string) (settings, error) {
	ports, list, err := allowedPorts(getenv("TUNNEL_ALLOWED_PORTS"))
	if err != nil {
		return settings{}, err
	}
	services, err := allowedServices(getenv("TUNNEL_ALLOWED_SERVICES"))
	if err != nil {
		return settings{}, err
	}
	idle, err := idleTimeout(getenv("TUNNEL_IDLE_TIMEOUT"))
	if err != nil {
		return settings{}, err
	}
	return settings{
		ports:         ports,
		portList:      list,
		services:      services,
		lineTimeout:   5 * time.Second,
		lookupTimeout: 5 * time.Second,
		dialTimeout:   10 * time.Second,
		idleTimeout:   idle,
		closeGrace:    5 * time.Second,
	}, nil
}

// allowedPorts parses TUNNEL_ALLOWED_PORTS, a comma-separated list; empty means Vault's API port.
// It returns the set and the list as written.
func allowedPorts(spec string) (map[string]bool, string, error) {
	if strings.TrimSpace(spec) == "" {
		spec = defaultPorts
	}
	ports := map[string]bool{}
	var list []string
	for _, field := range strings.Split(spec, ",") {
		port := strings.TrimSpace(field)
		// Atoi accepts "+8200" and "08200"; the set is matched against the line's text, so only the
		// plain decimal form is a port here.
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return nil, "", fmt.Errorf("TUNNEL_ALLOWED_PORTS=%q: %q is not a port number", spec, port)
		}
		ports[port] = true
		list = append(list, port)
	}
	return ports, strings.Join(list, ","), nil
}

// allowedServices parses TUNNEL_ALLOWED_SERVICES, a comma-separated list of service names, each
// exact or with one "*" at its start or end; empty means "*_vault". A lone "*" is refused: it would
// make every task on the network a target, which is the open relay this tunnel must not be.
func allowedServices(spec string) ([]string, error) {
	if strings.TrimSpace(spec) == "" {
		spec = defaultServices
	}
	var patterns []string
	for _, field := range strings.Split(spec, ",") {
		pattern := strings.TrimSpace(field)
		core := strings.TrimSuffix(strings.TrimPrefix(pattern, "*"), "*")
		switch {
		case core == "" || strings.Contains(core, "*"):
			return nil, fmt.Errorf("TUNNEL_ALLOWED_SERVICES=%q: %q must be a service name, with at most one \"*\" at its start or end", spec, pattern)
		case strings.HasPrefix(pattern, "*") && strings.HasSuffix(pattern, "*"):
			return nil, fmt.Errorf("TUNNEL_ALLOWED_SERVICES=%q: %q may have a \"*\" at its start or at its end, not both", spec, pattern)
		case strings.ContainsAny(core, ". \t"):
			return nil, fmt.Errorf("TUNNEL_ALLOWED_SERVICES=%q: %q is not a service name", spec, pattern)
		}
		patterns = append(patterns, pattern)
	}
	return patterns, nil
}

// idleTimeout parses TUNNEL_IDLE_TIMEOUT, a Go duration ("60s", "2m"); empty means 60s.
func idleTimeout(spec string) (time.Duration, error) {
	if strings.TrimSpace(spec) == "" {
		return defaultIdle, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(spec))
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("TUNNEL_IDLE_TIMEOUT=%q: want a positive Go duration such as 60s", spec)
	}
	return d, nil
}

// serviceMatches tells whether a service name matches one pattern of TUNNEL_ALLOWED_SERVICES.
// A glob needs at least one character in place of its "*".
func serviceMatches(pattern, service string) bool {
	switch {
	case strings.HasPrefix(pattern, "*"):
		suffix := pattern[1:]
		return len(service) > len(suffix) && strings.HasSuffix(service, suffix)
	case strings.HasSuffix(pattern, "*"):
		prefix := pattern[:len(pattern)-1]
		return len(service) > len(prefix) && strings.HasPrefix(service, prefix)
	default:
		return service == pattern
	}
}

func (t *tunnel) serviceAllowed(service string) bool {
	for _, pattern := range t.services {
		if serviceMatches(pattern, service) {
			return true
		}
	}
	return false
}

// run accepts connections until the listener is closed.
func (t *tunnel) run(listener net.Listener) {
	for {
		conn, err := listener.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			t.logf("tunnel: accepting a connection: %v", err)
			time.Sleep(100 * time.Millisecond) // e.g. out of file descriptors: do not spin
			continue
		}
		go t.serve(conn)
	}
}

func (t *tunnel) serve(client net.Conn) {
	defer client.Close()
	started := time.Now()
	// Reading through a buffer may take bytes the client sent after the line (its TLS
	// ClientHello): they stay in the reader, and the copy to the target drains them first.
	// The buffer's size is the line limit: ReadSlice fails once it is full without a newline.
	reader := bufio.NewReaderSize(client, maxLineBytes)
	line, err := t.readLine(client, reader)
	if err != nil {
		t.logf("tunnel: %s: refused: %v", client.RemoteAddr(), err)
		return
	}
	target, err := t.check(client.LocalAddr(), line)
	if err != nil {
		t.logf("tunnel: %s -> %q: refused: %v", client.RemoteAddr(), line, err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), t.dialTimeout)
	upstream, err := t.dial(ctx, "tcp", target)
	cancel()
	if err != nil {
		t.logf("tunnel: %s -> %s: dial failed: %v", client.RemoteAddr(), target, err)
		return
	}
	defer upstream.Close()
	sent, received, idled := t.pipe(client, reader, upstream)
	ending := "closed"
	if idled {
		ending = fmt.Sprintf("closed, idle for %s,", t.idleTimeout)
	}
	t.logf("tunnel: %s -> %s: %s after %s, %d bytes sent, %d received",
		client.RemoteAddr(), target, ending, time.Since(started).Round(time.Millisecond), sent, received)
}

// readLine reads the target line, without its line end, within lineTimeout and maxLineBytes.
func (t *tunnel) readLine(client net.Conn, reader *bufio.Reader) (string, error) {
	_ = client.SetReadDeadline(time.Now().Add(t.lineTimeout))
	line, err := reader.ReadSlice('\n')
	_ = client.SetReadDeadline(time.Time{})
	var timeout net.Error
	switch {
	case err == nil:
		return strings.TrimSpace(string(line)), nil
	case errors.Is(err, bufio.ErrBufferFull):
		return "", fmt.Errorf("no newline within %d bytes", maxLineBytes)
	case errors.As(err, &timeout) && timeout.Timeout():
		return "", fmt.Errorf("no target line within %s", t.lineTimeout)
	case errors.Is(err, io.EOF):
		return "", errors.New("closed before a complete target line")
	default:
		return "", fmt.Errorf("reading the target line: %v", err)
	}
}

// check applies rules 2 to 5 of the header to one target line; it returns the address to dial.
func (t *tunnel) check(local net.Addr, line string) (string, error) {
	host, port, err := net.SplitHostPort(line)
	if err != nil || host == "" {
		return "", errors.New("want host:port")
	}
	if !t.ports[port] {
		return "", fmt.Errorf("port %s is not allowed (allowed: %s)", port, t.portList)
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || addr.Zone() != "" {
		return "", errors.New("the host is not an IP address (names are not resolved)")
	}
	addr = addr.Unmap()
	if err := t.checkClientSide(local, addr); err != nil {
		return "", err
	}
	if err := t.checkVaultTask(addr); err != nil {
		return "", err
	}
	return net.JoinHostPort(addr.String(), port), nil
}

// checkClientSide is rule 4: a client that reached the tunnel on the target's own network is refused.
func (t *tunnel) checkClientSide(local net.Addr, target netip.Addr) error {
	tcp, ok := local.(*net.TCPAddr)
	if !ok {
		return fmt.Errorf("the connection's local address %v is not TCP", local)
	}
	here := tcp.AddrPort().Addr().Unmap()
	networks, err := t.networks()
	if err != nil {
		return fmt.Errorf("listing the tunnel's interfaces: %v", err)
	}
	for _, network := range networks {
		if network.Contains(here) && network.Contains(target) {
			return fmt.Errorf("the client reached the tunnel at %s, on the target's own network %s (only the published port is served)", here, network)
		}
	}
	return nil
}

// checkVaultTask is rule 5: the address is a task of an allowed service, by reverse name and then
// by that service's task list.
func (t *tunnel) checkVaultTask(addr netip.Addr) error {
	ctx, cancel := context.WithTimeout(context.Background(), t.lookupTimeout)
	defer cancel()
	names, err := t.resolver.LookupAddr(ctx, addr.String())
	if err != nil {
		return fmt.Errorf("no reverse DNS name, so not a swarm task: %v", err)
	}
	if len(names) == 0 {
		return errors.New("no reverse DNS name, so not a swarm task")
	}
	var reasons []string
	for _, name := range names {
		service, ok := taskService(name)
		if !ok {
			reasons = append(reasons, fmt.Sprintf("%q is not a swarm task's name", name))
			continue
		}
		if !t.serviceAllowed(service) {
			reasons = append(reasons, fmt.Sprintf("%q: the service %s is not allowed", name, service))
			continue
		}
		tasks, err := t.resolver.LookupHost(ctx, "tasks."+service)
		if err != nil {
			reasons = append(reasons, fmt.Sprintf("%q: looking up tasks.%s: %v", name, service, err))
			continue
		}
		if containsAddr(tasks, addr) {
			return nil
		}
		reasons = append(reasons, fmt.Sprintf("%q: the address is not among tasks.%s", name, service))
	}
	return errors.New(strings.Join(reasons, "; "))
}

// taskService returns the service named by a task's reverse DNS name
// "<service>.<slot or node id>.<task id>.<network>." and false for any other name (a plain
// container's "<name>.<network>."). Swarm service names contain no dots.
func taskService(name string) (string, bool) {
	labels := strings.Split(strings.TrimSuffix(name, "."), ".")
	if len(labels) < 4 {
		return "", false
	}
	for _, label := range labels {
		if label == "" {
			return "", false
		}
	}
	return labels[0], true
}

func containsAddr(hosts []string, addr netip.Addr) bool {
	for _, host := range hosts {
		if a, err := netip.ParseAddr(host); err == nil && a.Unmap() == addr {
			return true
		}
	}
	return false
}

// interfaceNetworks lists the networks of the container's interfaces (each address with its mask).
func interfaceNetworks() ([]netip.Prefix, error) {
	interfaces, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var networks []netip.Prefix
	for _, iface := range interfaces {
		addrs, err := iface.Addrs()
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			if ipNet, ok := a.(*net.IPNet); ok {
				if p, ok := prefixOf(ipNet); ok {
					networks = append(networks, p)
				}
			}
		}
	}
	return networks, nil
}

// prefixOf converts an interface address; an IPv4 address may come in its 16-byte form with a
// 4-byte mask, and Contains must then compare IPv4 with IPv4.
func prefixOf(ipNet *net.IPNet) (netip.Prefix, bool) {
	addr, ok := netip.AddrFromSlice(ipNet.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ones, bits := ipNet.Mask.Size()
	if bits == 0 {
		return netip.Prefix{}, false
	}
	if addr.Is4In6() && bits == 128 {
		ones -= 96
	}
	return netip.PrefixFrom(addr.Unmap(), ones), true
}

// pipe copies both ways until both directions have ended, or until no byte moved either way for
// idleTimeout; it returns the bytes sent to the target, received from it, and whether it idled out.
func (t *tunnel) pipe(client net.Conn, fromClient io.Reader, upstream net.Conn) (int64, int64, bool) {
	watch := newIdleWatch(t.idleTimeout, func() {
		client.Close()
		upstream.Close()
	})
	defer watch.stop()
	sent := make(chan int64, 1)
	go func() {
		n, _ := io.Copy(upstream, watch.reader(fromClient))
		closeWrite(upstream) // pass the client's end of stream on, keep reading the answer
		sent <- n
	}()
	received, _ := io.Copy(client, watch.reader(upstream))
	closeWrite(client)
	// The target is done; a client that never closes its side must not hold the goroutine.
	_ = client.SetReadDeadline(time.Now().Add(t.closeGrace))
	return <-sent, received, watch.expired.Load()
}

func closeWrite(conn net.Conn) {
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.CloseWrite()
	}
}

// idleWatch calls onIdle once no read in either direction returned bytes for timeout.
// Every byte written was read first, so watching the reads sees all traffic.
type idleWatch struct {
	timeout time.Duration
	start   time.Time
	last    atomic.Int64 // time since start of the last read that returned bytes (monotonic)
	expired atomic.Bool
	done    chan struct{}
}

func newIdleWatch(timeout time.Duration, onIdle func()) *idleWatch {
	w := &idleWatch{timeout: timeout, start: time.Now(), done: make(chan struct{})}
	go w.run(onIdle)
	return w
}

func (w *idleWatch) touch() { w.last.Store(int64(time.Since(w.start))) }

func (w *idleWatch) run(onIdle func()) {
	timer := time.NewTimer(w.timeout)
	defer timer.Stop()
	for {
		select {
		case <-w.done:
			return
		case <-timer.C:
			idle := time.Since(w.start) - time.Duration(w.last.Load())
			if idle >= w.timeout {
				w.expired.Store(true)
				onIdle()
				return
			}
			timer.Reset(w.timeout - idle)
		}
	}
}

func (w *idleWatch) stop() { close(w.done) }

// reader wraps one direction's source. The wrapper also keeps io.Copy on its plain read/write loop
// (no splice), so no byte can move without passing through touch.
func (w *idleWatch) reader(r io.Reader) io.Reader { return &touchReader{r: r, watch: w} }

type touchReader struct {
	r     io.Reader
	watch *idleWatch
}

func (tr *touchReader) Read(p []byte) (int, error) {
	n, err := tr.r.Read(p)
	if n > 0 {
		tr.watch.touch()
	}
	return n, err
}
