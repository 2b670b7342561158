// vbt-temporal-server: the test bed's Temporal cluster in one process (frontend, history, matching,
// worker), built from go.temporal.io/server as a library so that it runs the bed's own authorizer and
// claim mapper (authz.go): every frontend call is decided by the role in the caller's verified client
// certificate.
//
//	vbt-temporal-server -config FILE [-namespaces default] [-log-allowed]
//	vbt-temporal-server -print-policy   # each role's API list, for docs/temporal-cluster.md
//	vbt-temporal-server health|schema|setup ...   # for the containers of docker-compose.temporal.yml (ops.go)
//
// FILE is a Temporal server config: testbed/temporal-cluster.sh renders the bed's; the compose file mounts
// temporal-cluster/compose/config.yaml, a template the server renders itself (`# enable-template`).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
	_ "go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql" // the postgres12 plugin
	"go.temporal.io/server/temporal"
	// The compose file's image is FROM scratch, without /usr/share/zoneinfo: schedules and cron strings that
	// name a time zone need the database compiled in (about 450 kB).
	_ "time/tzdata"
)

func main() {
	if len(os.Args) > 1 {
		if ok, err := runSubcommand(os.Args[1], os.Args[2:]); ok {
			var usage usageError
			switch {
			case errors.As(err, &usage):
				fmt.Fprintf(os.Stderr, "vbt-temporal-server %s: %v\n", os.Args[1], err)
				os.Exit(2)
			case err != nil:
				fmt.Fprintf(os.Stderr, "vbt-temporal-server %s: %v\n", os.Args[1], err)
				os.Exit(1)
			}
			return
		}
	}
	configFile := flag.String("config", "", "path of the Temporal server config file (YAML)")
	namespaces := flag.String("namespaces", "default", "comma-separated namespaces the non-admin roles may act in")
	printPolicy := flag.Bool("print-policy", false, "print each role's API list (markdown) and exit")
	logAllowed := flag.Bool("log-allowed", false, "log every allowed call too, not only the denials")
	flag.Parse()
	if *printPolicy {
		printPolicies()
		return
	}
	if *configFile == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: vbt-temporal-server -config FILE [-namespaces default] [-log-allowed]"+
			" | health | schema | setup (-h for each)")
		os.Exit(2)
	}
	if err := run(*configFile, strings.Split(*namespaces, ","), *logAllowed); err != nil {
		fmt.Fprintln(os.Stderr, "vbt-temporal-server:", err)
		os.Exit(1)
	}
}

func run(configFile string, namespaces []string, logAllowed bool) error {
	cfg, err := config.Load(config.WithConfigFile(configFile))
	if err != nil {
		return fmt.Errorf("loading %s: %w", configFile, err)
	}
	if !cfg.Global.TLS.Frontend.Server.RequireClientAuth {
		// Identity comes only from client certificates: without them every call would be denied.
		return fmt.Errorf("%s: global.tls.frontend.server.requireClientAuth must be true", configFile)
	}
	logger := log.NewZapLogger(log.BuildZapLogger(cfg.Log))
	logger.Info("vbt-temporal-server: starting", tag.NewStringTag("namespaces", strings.Join(namespaces, ",")))

	mapper := CertClaimMapper{}
	authorizer := NewRoleAuthorizer(namespaces, logger)
	authorizer.LogAllowed = logAllowed
	server, err := temporal.NewServer(
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithConfig(cfg),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return mapper }),
		temporal.InterruptOn(temporal.InterruptCh()),
	)
	if err != nil {
		return fmt.Errorf("creating the server: %w", err)
	}
	// Start blocks until SIGINT/SIGTERM, then stops the services.
	if err := server.Start(); err != nil {
		return fmt.Errorf("running the server: %w", err)
	}
	logger.Info("vbt-temporal-server: stopped")
	return nil
}

func printPolicies() {
	for _, role := range []Role{RoleSystem, RoleAdmin, RoleWorker, RoleAgent, RoleOperator, RoleBreakGlass, RoleViewer} {
		fmt.Printf("- `%s`:", role)
		for i, api := range RoleAPIs(role) {
			sep := ","
			if i == 0 {
				sep = ""
			}
			fmt.Printf("%s %s", sep, shortEntry(api))
		}
		fmt.Println()
	}
}

// shortEntry: WorkflowService methods by name alone, the others with their service.
func shortEntry(api string) string {
	if rest, ok := strings.CutPrefix(api, workflowServicePrefix); ok && rest != "*" {
		return rest
	}
	api = strings.TrimPrefix(api, "/")
	if i := strings.LastIndex(api, "."); i >= 0 {
		api = api[i+1:]
	}
	return api
}
