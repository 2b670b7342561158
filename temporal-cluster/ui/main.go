// Command vbt-temporal-ui runs the Temporal Web UI server (github.com/temporalio/ui-server/v2, whose module
// carries the built UI) for the test bed's Temporal cluster, configured from flags (or the VBT_UI_*
// variables) instead of the upstream YAML files and their templates.
//
// It binds to a loopback address only and has no login for browser users: whoever can reach the port sees
// what the UI's certificate may see. In a container (-in-container, docker-compose.temporal.yml) it may bind
// any address of the container's own network namespace: there the address the port is published on decides
// who reaches it (127.0.0.1 by default). -healthcheck is the container's health check (its image has no shell). Towards the cluster's frontend it speaks mTLS with a client
// certificate (the read-only `viewer`), verifying the frontend's certificate against the given CA and
// server name; `-plaintext` instead is for a frontend without TLS (the dev server) and must be asked for.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/temporalio/ui-server/v2/server"
	"github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/server_options"
	"github.com/temporalio/ui-server/v2/server/version"
)

// options is what the flags set; toConfig turns it into the ui-server's configuration.
type options struct {
	frontend     string
	plaintext    bool
	caFile       string
	certFile     string
	keyFile      string
	serverName   string
	host         string
	port         int
	publicPath   string
	corsOrigins  string
	namespace    string
	writeActions bool
	accessLog    bool
	showVersion  bool
	inContainer  bool
	healthcheck  bool
}

// env returns the variable's value, or def when it is unset or empty.
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envBool(name string, def bool) bool {
	v, err := strconv.ParseBool(env(name, strconv.FormatBool(def)))
	if err != nil {
		log.Fatalf("%s: not a boolean: %q", name, os.Getenv(name))
	}
	return v
}

func envInt(name string, def int) int {
	v, err := strconv.Atoi(env(name, strconv.Itoa(def)))
	if err != nil {
		log.Fatalf("%s: not a number: %q", name, os.Getenv(name))
	}
	return v
}

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("vbt-temporal-ui", flag.ContinueOnError)
	fs.StringVar(&o.frontend, "frontend", env("VBT_UI_FRONTEND", ""),
		"Temporal frontend gRPC address, host:port (env VBT_UI_FRONTEND)")
	fs.BoolVar(&o.plaintext, "plaintext", envBool("VBT_UI_PLAINTEXT", false),
		"talk to the frontend without TLS, e.g. the dev server (env VBT_UI_PLAINTEXT)")
	fs.StringVar(&o.caFile, "tls-ca", env("VBT_UI_TLS_CA", ""),
		"PEM file of the CA that signed the frontend's certificate (env VBT_UI_TLS_CA)")
	fs.StringVar(&o.certFile, "tls-cert", env("VBT_UI_TLS_CERT", ""),
		"PEM client certificate the UI presents to the frontend (env VBT_UI_TLS_CERT)")
	fs.StringVar(&o.keyFile, "tls-key", env("VBT_UI_TLS_KEY", ""),
		"PEM key of that certificate (env VBT_UI_TLS_KEY)")
	fs.StringVar(&o.serverName, "tls-server-name", env("VBT_UI_TLS_SERVER_NAME", ""),
		"name the frontend's certificate must carry (env VBT_UI_TLS_SERVER_NAME)")
	fs.StringVar(&o.host, "host", env("VBT_UI_HOST", "127.0.0.1"),
		"loopback address to listen on (env VBT_UI_HOST)")
	fs.IntVar(&o.port, "port", envInt("VBT_UI_PORT", 18233), "port to listen on (env VBT_UI_PORT)")
	fs.StringVar(&o.publicPath, "public-path", env("VBT_UI_PUBLIC_PATH", ""),
		"path prefix the UI is served under, e.g. /temporal; empty for / (env VBT_UI_PUBLIC_PATH)")
	fs.StringVar(&o.corsOrigins, "cors-origins", env("VBT_UI_CORS_ORIGINS", ""),
		"comma-separated origins allowed to call the API; default: the UI's own, on 127.0.0.1 and "+
			"localhost (env VBT_UI_CORS_ORIGINS)")
	fs.StringVar(&o.namespace, "default-namespace", env("VBT_UI_DEFAULT_NAMESPACE", "default"),
		"namespace the UI opens (env VBT_UI_DEFAULT_NAMESPACE)")
	fs.BoolVar(&o.writeActions, "write-actions", envBool("VBT_UI_WRITE_ACTIONS", false),
		"offer write actions (terminate, signal, reset, start...); off by default, the viewer "+
			"certificate may not do them anyway (env VBT_UI_WRITE_ACTIONS)")
	fs.BoolVar(&o.accessLog, "access-log", envBool("VBT_UI_ACCESS_LOG", false),
		"log every HTTP request, and echo's banner (env VBT_UI_ACCESS_LOG); an open UI polls the API every "+
			"few seconds")
	fs.BoolVar(&o.showVersion, "version", false, "print the UI server's version and exit")
	fs.BoolVar(&o.inContainer, "in-container", envBool("VBT_UI_IN_CONTAINER", false),
		"the UI runs in a container of its own: -host may be any address of the container's network, and where "+
			"its port is published decides who reaches it (env VBT_UI_IN_CONTAINER)")
	fs.BoolVar(&o.healthcheck, "healthcheck", false,
		"ask the UI running with these options for its health route and exit 0 if it answers OK (a container "+
			"health check)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	return o, nil
}

// loopback: the address is 127.0.0.0/8, ::1 or localhost. The UI has no login of its own.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (o *options) validate() error {
	if o.frontend == "" {
		return errors.New("-frontend is required (host:port of the Temporal frontend)")
	}
	if _, _, err := net.SplitHostPort(o.frontend); err != nil {
		return fmt.Errorf("-frontend %q: %w", o.frontend, err)
	}
	if !loopback(o.host) && !o.inContainer {
		return fmt.Errorf("-host %q: the UI has no login and listens on a loopback address only "+
			"(in a container whose port is published on loopback: -in-container)", o.host)
	}
	if o.inContainer && net.ParseIP(o.host) == nil && o.host != "localhost" {
		return fmt.Errorf("-host %q: an IP address (0.0.0.0: every address of the container)", o.host)
	}
	if o.port < 1 || o.port > 65535 {
		return fmt.Errorf("-port %d: not a TCP port", o.port)
	}
	if o.publicPath != "" && (!strings.HasPrefix(o.publicPath, "/") || strings.HasSuffix(o.publicPath, "/")) {
		return fmt.Errorf("-public-path %q: starts with / and does not end with one (e.g. /temporal)",
			o.publicPath)
	}
	for _, origin := range o.origins() {
		if u, err := url.Parse(origin); err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" ||
			origin == "*" {
			return fmt.Errorf("-cors-origins: %q is not an origin (scheme://host[:port])", origin)
		}
	}
	tlsFiles := map[string]string{"-tls-ca": o.caFile, "-tls-cert": o.certFile, "-tls-key": o.keyFile,
		"-tls-server-name": o.serverName}
	var given, missing []string
	for _, name := range []string{"-tls-ca", "-tls-cert", "-tls-key", "-tls-server-name"} {
		if tlsFiles[name] != "" {
			given = append(given, name)
		} else {
			missing = append(missing, name)
		}
	}
	if o.plaintext {
		if len(given) > 0 {
			return fmt.Errorf("-plaintext and %s exclude each other", strings.Join(given, ", "))
		}
		return nil
	}
	if len(missing) > 0 {
		return fmt.Errorf("mTLS to the frontend needs %s (or -plaintext for a frontend without TLS)",
			strings.Join(missing, ", "))
	}
	return checkTLSFiles(o.caFile, o.certFile, o.keyFile)
}

// checkTLSFiles reads the files once at start: the ui-server itself reads them only on the first
// connection, and then a bad file is a log line per request instead of a refusal to start.
func checkTLSFiles(caFile, certFile, keyFile string) error {
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return fmt.Errorf("-tls-ca: %w", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(ca) {
		return fmt.Errorf("-tls-ca %s: no PEM certificate in it", caFile)
	}
	if _, err := tls.LoadX509KeyPair(certFile, keyFile); err != nil {
		return fmt.Errorf("-tls-cert/-tls-key: %w", err)
	}
	return nil
}

func (o *options) origins() []string {
	if strings.TrimSpace(o.corsOrigins) == "" {
		port := strconv.Itoa(o.port)
		return []string{"http://127.0.0.1:" + port, "http://localhost:" + port}
	}
	var out []string
	for _, origin := range strings.Split(o.corsOrigins, ",") {
		if origin = strings.TrimSpace(origin); origin != "" {
			out = append(out, origin)
		}
	}
	return out
}

func (o *options) toConfig() *config.Config {
	cfg := &config.Config{
		TemporalGRPCAddress: o.frontend,
		Host:                o.host,
		Port:                o.port,
		PublicPath:          o.publicPath,
		EnableUI:            true,
		DefaultNamespace:    o.namespace,
		CORS: config.CORS{
			AllowOrigins: o.origins(),
			// Plain HTTP on loopback: a Secure CSRF cookie would be dropped by browsers that do not treat
			// the address as a secure context.
			CookieInsecure: true,
		},
		// Nothing is fetched from the internet: no news feed, no release check.
		DisableNewsFetch:   true,
		NotifyOnNewVersion: false,
		Distribution:       "vault-bootstrap-testbed",
		HideLogs:           !o.accessLog,
		// RefreshInterval 0: the configuration is fixed for the process's life.
	}
	if !o.writeActions {
		cfg.DisableWriteActions = true
		cfg.StartWorkflowDisabled = true
		cfg.BatchActionsDisabled = true
		cfg.ActivityCommandsDisabled = true
	}
	if !o.plaintext {
		cfg.TLS = config.TLS{
			CaFile:     o.caFile,
			CertFile:   o.certFile,
			KeyFile:    o.keyFile,
			ServerName: o.serverName,
			// The ui-server skips verifying the frontend's certificate unless this is set.
			EnableHostVerification: true,
		}
	}
	return cfg
}

func main() {
	log.SetFlags(log.LstdFlags | log.LUTC)
	log.SetPrefix("vbt-temporal-ui: ")
	o, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	if o.showVersion {
		fmt.Println(version.UIVersion)
		return
	}
	if o.healthcheck {
		if err := o.probe(); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := o.validate(); err != nil {
		log.Fatal(err)
	}
	cfg := o.toConfig()
	if err := cfg.Validate(); err != nil {
		log.Fatalf("configuration: %v", err)
	}

	mode := "plaintext"
	if !o.plaintext {
		mode = fmt.Sprintf("mTLS as %s, server name %s", o.certFile, o.serverName)
	}
	log.Printf("Temporal UI %s on http://%s%s/ for the frontend %s (%s)",
		version.UIVersion, net.JoinHostPort(o.host, strconv.Itoa(o.port)), o.publicPath, o.frontend, mode)

	s := server.NewServer(server_options.WithConfigProvider(cfg))
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		sig := <-stop
		log.Printf("%s: stopping", sig)
		s.Stop()
	}()
	// Start returns once Stop closed the server; any other end (the port is taken) exits 1 inside it.
	if err := s.Start(); err != nil {
		log.Fatal(err)
	}
}

// probe asks the UI's health route, on the address it listens on (the loopback one when it listens on
// every address), and fails unless it answers 200 with status OK.
func (o *options) probe() error {
	host := o.host
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(host, strconv.Itoa(o.port)) + o.publicPath + "/healthz"
	client := &http.Client{Timeout: 3 * time.Second}
	res, err := client.Get(url)
	if err != nil {
		return fmt.Errorf("health check: %w", err)
	}
	defer func() { _ = res.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(res.Body, 4096))
	if err != nil {
		return fmt.Errorf("health check: reading %s: %w", url, err)
	}
	var health struct {
		Status string `json:"status"`
	}
	if res.StatusCode != http.StatusOK || json.Unmarshal(body, &health) != nil || health.Status != "OK" {
		return fmt.Errorf("health check: %s answered %s: %.200s", url, res.Status, body)
	}
	fmt.Println("OK")
	return nil
}
