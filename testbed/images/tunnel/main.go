// Command tunnel carries TCP connections from the host into the overlay network.
//
// On the test bed the worker runs on the host, but the Vault tasks are reachable only on the
// overlay network iklimco-net, by their task hostnames (vault-1, vault-2, vault-3). The tunnel
// runs as a container on that network with :8080 published on the host's loopback.
//
// Protocol: the client connects, writes one line "host:port\n" and from the next byte on talks
// to that target directly; it starts TLS right after the line, so certificate verification stays
// end to end. The tunnel never writes a byte of its own: a bad line, a port that is not allowed
// or a failed dial just closes the connection.
package main

import (
	"bufio"
	"io"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

const (
	listenAddress = ":8080"
	maxLineBytes  = 256              // the target line, newline included
	lineTimeout   = 5 * time.Second  // to receive the target line
	dialTimeout   = 10 * time.Second // to connect to the target
)

func main() {
	log.SetFlags(log.LstdFlags | log.LUTC)
	allowed, list := allowedPorts(os.Getenv("TUNNEL_ALLOWED_PORTS"))
	listener, err := net.Listen("tcp", listenAddress)
	if err != nil {
		log.Fatalf("tunnel: listening on %s: %v", listenAddress, err)
	}
	log.Printf("tunnel: listening on %s, allowed target ports %s", listenAddress, list)
	for {
		conn, err := listener.Accept()
		if err != nil {
			log.Printf("tunnel: accepting a connection: %v", err)
			time.Sleep(100 * time.Millisecond) // e.g. out of file descriptors: do not spin
			continue
		}
		go serve(conn, allowed)
	}
}

// allowedPorts parses TUNNEL_ALLOWED_PORTS, a comma-separated list; empty means Vault's API port.
// It returns the set and the list as written.
func allowedPorts(spec string) (map[string]bool, string) {
	if strings.TrimSpace(spec) == "" {
		spec = "8200"
	}
	ports := map[string]bool{}
	var list []string
	for _, field := range strings.Split(spec, ",") {
		port := strings.TrimSpace(field)
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			log.Fatalf("tunnel: TUNNEL_ALLOWED_PORTS=%q: %q is not a port number", spec, port)
		}
		ports[port] = true
		list = append(list, port)
	}
	return ports, strings.Join(list, ",")
}

func serve(client net.Conn, allowed map[string]bool) {
	defer client.Close()
	started := time.Now()
	// Reading through a buffer may take bytes the client sent after the line (its TLS
	// ClientHello): they stay in the reader, and the copy to the target drains them first.
	reader := bufio.NewReaderSize(client, maxLineBytes)
	_ = client.SetReadDeadline(started.Add(lineTimeout))
	line, err := reader.ReadSlice('\n')
	if err != nil {
		log.Printf("tunnel: %s: no target line within %d bytes and %s: %v", client.RemoteAddr(), maxLineBytes, lineTimeout, err)
		return
	}
	_ = client.SetReadDeadline(time.Time{})
	target := strings.TrimSpace(string(line))
	host, port, err := net.SplitHostPort(target)
	if err != nil || host == "" || !allowed[port] {
		log.Printf("tunnel: %s -> %q: refused, want host:port with an allowed port", client.RemoteAddr(), target)
		return
	}
	upstream, err := net.DialTimeout("tcp", target, dialTimeout)
	if err != nil {
		log.Printf("tunnel: %s -> %s: dial failed: %v", client.RemoteAddr(), target, err)
		return
	}
	defer upstream.Close()

	sent := make(chan int64, 1)
	go func() {
		n, _ := io.Copy(upstream, reader)
		closeWrite(upstream) // pass the client's end of stream on, keep reading the answer
		sent <- n
	}()
	received, _ := io.Copy(client, upstream)
	closeWrite(client)
	// The target is done; a client that never closes its side must not hold the goroutine.
	_ = client.SetReadDeadline(time.Now().Add(lineTimeout))
	log.Printf("tunnel: %s -> %s: closed after %s, %d bytes sent, %d received",
		client.RemoteAddr(), target, time.Since(started).Round(time.Millisecond), <-sent, received)
}

func closeWrite(conn net.Conn) {
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.CloseWrite()
	}
}
