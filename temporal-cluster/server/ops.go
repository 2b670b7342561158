package main

// The subcommands a container of docker-compose.temporal.yml needs besides the server itself. Its image is
// FROM scratch (no shell, no nc, no CLI), so the health check and the two one-shots are this program too:
//
//	vbt-temporal-server health TLS-FLAGS [-address 127.0.0.1:7233] [-timeout 3s]
//	vbt-temporal-server schema -config FILE [-wait 2m]
//	vbt-temporal-server setup TLS-FLAGS -address HOST:PORT [-namespace default] [-retention 72h]
//	                          [-search-attributes 'Name=Type ...'] [-wait 2m]
//
// TLS-FLAGS are -tls-ca, -tls-cert, -tls-key and -tls-server-name: the frontend requires a client
// certificate, so every call here presents one (health: the server's own internode certificate; setup: the
// admin role's, the one role that may register namespaces and search attributes).

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
	"go.temporal.io/server/tools/common/schema"
	"go.temporal.io/server/tools/sql"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// workflowServiceHealthName is the service the frontend reports SERVING for once it takes calls (what the
// CLI's `operator cluster health` asks for).
const workflowServiceHealthName = "temporal.api.workflowservice.v1.WorkflowService"

// usageError is a bad command line: exit code 2, as the server's own usage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// runSubcommand runs one of the subcommands; ok is false when name is none of them.
func runSubcommand(name string, args []string) (ok bool, err error) {
	switch name {
	case "health":
		return true, runHealth(args)
	case "schema":
		return true, runSchema(args)
	case "setup":
		return true, runSetup(args)
	}
	return false, nil
}

// ---------------------------------------------------------------------------------------------
// mTLS to the frontend

type clientTLS struct {
	ca, cert, key, serverName string
}

func (c *clientTLS) register(fs *flag.FlagSet) {
	fs.StringVar(&c.ca, "tls-ca", "", "PEM file of the CA that signed the frontend's certificate")
	fs.StringVar(&c.cert, "tls-cert", "", "PEM client certificate presented to the frontend")
	fs.StringVar(&c.key, "tls-key", "", "PEM key of that certificate")
	fs.StringVar(&c.serverName, "tls-server-name", "", "name the frontend's certificate must carry")
}

// config reads the files now, so that a missing or wrong one is named before any connection is tried.
func (c *clientTLS) config() (*tls.Config, error) {
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"-tls-ca", c.ca}, {"-tls-cert", c.cert}, {"-tls-key", c.key}, {"-tls-server-name", c.serverName},
	} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, usageError{"the frontend requires mutual TLS: " + strings.Join(missing, ", ") + " missing"}
	}
	pem, err := os.ReadFile(c.ca)
	if err != nil {
		return nil, fmt.Errorf("-tls-ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("-tls-ca %s: no PEM certificate in it", c.ca)
	}
	pair, err := tls.LoadX509KeyPair(c.cert, c.key)
	if err != nil {
		return nil, fmt.Errorf("-tls-cert %s / -tls-key %s: %w", c.cert, c.key, err)
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		RootCAs:      pool,
		ServerName:   c.serverName,
		Certificates: []tls.Certificate{pair},
	}, nil
}

func dialFrontend(address string, c *clientTLS) (*grpc.ClientConn, error) {
	if _, _, err := net.SplitHostPort(address); err != nil {
		return nil, usageError{fmt.Sprintf("-address %q: %v", address, err)}
	}
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	return grpc.NewClient(address, grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
}

// serving asks the frontend's gRPC health service whether the WorkflowService takes calls.
func serving(ctx context.Context, conn *grpc.ClientConn) error {
	res, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: workflowServiceHealthName})
	if err != nil {
		return err
	}
	if res.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("the frontend reports %s", res.GetStatus())
	}
	return nil
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(os.Stderr)
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != 0 {
		return usageError{fmt.Sprintf("%s: unexpected arguments %q", fs.Name(), fs.Args())}
	}
	return nil
}

// ---------------------------------------------------------------------------------------------
// health: exit 0 when the frontend is SERVING (a container health check)

func runHealth(args []string) error {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	var c clientTLS
	c.register(fs)
	address := fs.String("address", "127.0.0.1:7233", "the frontend's gRPC host:port")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	conn, err := dialFrontend(*address, &c)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := serving(ctx, conn); err != nil {
		return fmt.Errorf("%s: %w", *address, err)
	}
	fmt.Println("SERVING")
	return nil
}

// ---------------------------------------------------------------------------------------------
// schema: both databases brought up to date from the sql tool's embedded schemas, idempotently

// embeddedSchemas: the schema directory of each store, by the store's role in persistence.
var embeddedSchemas = map[string]string{
	"default":    "postgresql/v12/temporal",
	"visibility": "postgresql/v12/visibility",
}

func runSchema(args []string) error {
	fs := flag.NewFlagSet("schema", flag.ContinueOnError)
	configFile := fs.String("config", "", "the server's config file: the databases are its two SQL stores")
	wait := fs.Duration("wait", 2*time.Minute, "how long to wait for the database to accept the connection")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *configFile == "" {
		return usageError{"schema: -config FILE is required"}
	}
	cfg, err := config.Load(config.WithConfigFile(*configFile))
	if err != nil {
		return fmt.Errorf("loading %s: %w", *configFile, err)
	}
	logger := log.NewZapLogger(log.BuildZapLogger(log.Config{Stdout: true, Level: "info"}))
	stores := []struct{ kind, name string }{
		{"default", cfg.Persistence.DefaultStore},
		{"visibility", cfg.Persistence.VisibilityStore},
	}
	for _, store := range stores {
		ds, ok := cfg.Persistence.DataStores[store.name]
		if !ok || ds.SQL == nil {
			return fmt.Errorf("%s: persistence.datastores.%s is not an SQL store", *configFile, store.name)
		}
		if !strings.HasPrefix(ds.SQL.PluginName, "postgres12") {
			return fmt.Errorf("%s: datastore %s uses plugin %q; this image's schemas are PostgreSQL's (postgres12)",
				*configFile, store.name, ds.SQL.PluginName)
		}
		if err := upgradeSchema(ds.SQL, embeddedSchemas[store.kind], *wait, logger); err != nil {
			return fmt.Errorf("database %s: %w", ds.SQL.DatabaseName, err)
		}
	}
	return nil
}

// upgradeSchema: setup-schema -v 0.0 where the versioning tables are missing (on tables that exist it would
// reset the recorded version to 0.0), then update-schema to the newest embedded version.
func upgradeSchema(cfg *config.SQL, schemaName string, wait time.Duration, logger log.Logger) error {
	var conn *sql.Connection
	deadline := time.Now().Add(wait)
	for {
		var err error
		if conn, err = sql.NewConnection(cfg, logger); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no connection to %s within %s: %w", cfg.ConnectAddr, wait, err)
		}
		logger.Info("schema: the database is not reachable yet", tag.Error(err))
		time.Sleep(2 * time.Second)
	}
	defer conn.Close()
	tables, err := conn.ListTables()
	if err != nil {
		return fmt.Errorf("listing tables: %w", err)
	}
	if !slices.Contains(tables, "schema_version") {
		logger.Info("schema: no versioning tables yet: setup-schema -v 0.0", tag.NewStringTag("database", cfg.DatabaseName))
		setup := &schema.SetupConfig{InitialVersion: "0.0"}
		if err := schema.NewSetupSchemaTask(conn, setup, logger).Run(); err != nil {
			return fmt.Errorf("setup-schema -v 0.0: %w", err)
		}
	}
	update := &schema.UpdateConfig{DBName: cfg.DatabaseName, SchemaName: schemaName}
	if err := schema.NewUpdateSchemaTask(conn, update, logger).Run(); err != nil {
		return fmt.Errorf("update-schema --schema-name %s: %w", schemaName, err)
	}
	version, err := conn.ReadSchemaVersion()
	if err != nil {
		return fmt.Errorf("reading the schema version: %w", err)
	}
	logger.Info("schema: up to date", tag.NewStringTag("database", cfg.DatabaseName),
		tag.NewStringTag("schema", schemaName), tag.NewStringTag("version", version))
	return nil
}

// ---------------------------------------------------------------------------------------------
// setup: the namespace and the search attributes, as the admin role, each only when missing

// searchAttributeTypes: the CLI's names for the indexed value types.
var searchAttributeTypes = map[string]enumspb.IndexedValueType{
	"Text":        enumspb.INDEXED_VALUE_TYPE_TEXT,
	"Keyword":     enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"Int":         enumspb.INDEXED_VALUE_TYPE_INT,
	"Double":      enumspb.INDEXED_VALUE_TYPE_DOUBLE,
	"Bool":        enumspb.INDEXED_VALUE_TYPE_BOOL,
	"Datetime":    enumspb.INDEXED_VALUE_TYPE_DATETIME,
	"KeywordList": enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
}

// parseSearchAttributes reads `Name=Type` pairs separated by spaces or commas.
func parseSearchAttributes(s string) (map[string]enumspb.IndexedValueType, error) {
	out := map[string]enumspb.IndexedValueType{}
	for _, pair := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		name, typ, ok := strings.Cut(pair, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("search attribute %q: expected Name=Type", pair)
		}
		t, known := searchAttributeTypes[typ]
		if !known {
			types := make([]string, 0, len(searchAttributeTypes))
			for k := range searchAttributeTypes {
				types = append(types, k)
			}
			sort.Strings(types)
			return nil, fmt.Errorf("search attribute %s: unknown type %q (one of %s)", name, typ, strings.Join(types, ", "))
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("search attribute %s: named twice", name)
		}
		out[name] = t
	}
	return out, nil
}

func runSetup(args []string) error {
	fs := flag.NewFlagSet("setup", flag.ContinueOnError)
	var c clientTLS
	c.register(fs)
	address := fs.String("address", "", "the frontend's gRPC host:port")
	namespace := fs.String("namespace", "default", "the namespace to register when missing")
	retention := fs.Duration("retention", 72*time.Hour, "the namespace's workflow retention (at registration)")
	attrs := fs.String("search-attributes", os.Getenv("VAULT_SEARCH_ATTRIBUTES"),
		"custom search attributes, 'Name=Type' separated by spaces or commas (env VAULT_SEARCH_ATTRIBUTES)")
	wait := fs.Duration("wait", 2*time.Minute, "how long to wait for the frontend and the new namespace")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *address == "" {
		return usageError{"setup: -address HOST:PORT is required"}
	}
	if *namespace == "" {
		return usageError{"setup: -namespace is empty"}
	}
	if *retention < time.Hour {
		return usageError{fmt.Sprintf("setup: -retention %s: at least 1h", *retention)}
	}
	wanted, err := parseSearchAttributes(*attrs)
	if err != nil {
		return usageError{"setup: -search-attributes: " + err.Error()}
	}
	conn, err := dialFrontend(*address, &c)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), *wait)
	defer cancel()

	if err := retry(ctx, "the frontend SERVING", func(ctx context.Context) error { return serving(ctx, conn) }); err != nil {
		return err
	}
	wf := workflowservice.NewWorkflowServiceClient(conn)
	if err := ensureNamespace(ctx, wf, *namespace, *retention); err != nil {
		return err
	}
	op := operatorservice.NewOperatorServiceClient(conn)
	return ensureSearchAttributes(ctx, op, *namespace, wanted)
}

func ensureNamespace(ctx context.Context, wf workflowservice.WorkflowServiceClient, namespace string, retention time.Duration) error {
	_, err := wf.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	if err == nil {
		fmt.Printf("namespace %s: exists\n", namespace)
		return nil
	}
	var notFound *serviceerror.NamespaceNotFound
	if !errors.As(temporalError(err), &notFound) {
		return fmt.Errorf("describing namespace %s: %w", namespace, err)
	}
	_, err = wf.RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace:                        namespace,
		WorkflowExecutionRetentionPeriod: durationpb.New(retention),
		Description:                      "vault-bootstrap (docker-compose.temporal.yml)",
	})
	var exists *serviceerror.NamespaceAlreadyExists
	if err != nil && !errors.As(temporalError(err), &exists) {
		return fmt.Errorf("registering namespace %s: %w", namespace, err)
	}
	fmt.Printf("namespace %s: registered (retention %s)\n", namespace, retention)
	return nil
}

func ensureSearchAttributes(ctx context.Context, op operatorservice.OperatorServiceClient, namespace string,
	wanted map[string]enumspb.IndexedValueType) error {
	var existing map[string]enumspb.IndexedValueType
	// A namespace just registered is known to the frontend only once its namespace cache refreshes (~10 s).
	err := retry(ctx, "namespace "+namespace+" known to the frontend", func(ctx context.Context) error {
		res, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
		if err != nil {
			return err
		}
		existing = res.GetCustomAttributes()
		return nil
	})
	if err != nil {
		return err
	}
	missing := map[string]enumspb.IndexedValueType{}
	names := make([]string, 0, len(wanted))
	for name := range wanted {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		have, ok := existing[name]
		switch {
		case !ok:
			missing[name] = wanted[name]
		case have != wanted[name]:
			return fmt.Errorf("search attribute %s exists in namespace %s as %s, not %s", name, namespace, have, wanted[name])
		default:
			fmt.Printf("search attribute %s: exists (%s)\n", name, have)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: missing,
	})
	if err != nil {
		return fmt.Errorf("adding search attributes to namespace %s: %w", namespace, err)
	}
	for _, name := range names {
		if t, ok := missing[name]; ok {
			fmt.Printf("search attribute %s: added (%s)\n", name, t)
		}
	}
	return nil
}

// temporalError: a gRPC status error of the Temporal API as its serviceerror type (NamespaceNotFound...), which
// a bare gRPC client does not convert by itself.
func temporalError(err error) error {
	if st, ok := status.FromError(err); ok {
		return serviceerror.FromStatus(st)
	}
	return err
}

// retry calls f every 2 s until it succeeds or ctx ends; the error names what was awaited and f's last error.
func retry(ctx context.Context, what string, f func(context.Context) error) error {
	for {
		callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := f(callCtx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, err)
		case <-time.After(2 * time.Second):
		}
	}
}
