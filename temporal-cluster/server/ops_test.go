package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
)

func TestParseSearchAttributes(t *testing.T) {
	got, err := parseSearchAttributes("VaultBootstrapStep=Keyword VaultHealthVerdict=Keyword,VaultHealthFindings=KeywordList\n VaultRestoreDrill=Keyword")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]enumspb.IndexedValueType{
		"VaultBootstrapStep":  enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		"VaultHealthVerdict":  enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		"VaultHealthFindings": enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
		"VaultRestoreDrill":   enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %s, want %s", k, got[k], v)
		}
	}
	if empty, err := parseSearchAttributes("  "); err != nil || len(empty) != 0 {
		t.Errorf("blank: got %v, %v", empty, err)
	}
	for in, msg := range map[string]string{
		"VaultBootstrapStep":                     "expected Name=Type",
		"=Keyword":                               "expected Name=Type",
		"X=Keywords":                             `unknown type "Keywords"`,
		"X=Keyword X=Keyword":                    "named twice",
		"VaultBootstrapStep=keyword":             `unknown type "keyword"`,
		"VaultBootstrapStep=Keyword,Y=Unknown42": `search attribute Y: unknown type`,
	} {
		if _, err := parseSearchAttributes(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: got %v, want an error with %q", in, err, msg)
		}
	}
}

func TestSubcommandUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		msg  string
	}{
		{"health", []string{"-address", "127.0.0.1:7233"}, "-tls-ca, -tls-cert, -tls-key, -tls-server-name missing"},
		{"health", []string{"-address", "nohost", "-tls-ca", "a"}, `-address "nohost"`},
		{"health", []string{"extra"}, "unexpected arguments"},
		{"setup", []string{}, "-address HOST:PORT is required"},
		{"setup", []string{"-address", "temporal:7233", "-retention", "10m"}, "at least 1h"},
		{"setup", []string{"-address", "temporal:7233", "-search-attributes", "A=Nope"}, `unknown type "Nope"`},
		{"schema", []string{}, "-config FILE is required"},
	}
	for _, c := range cases {
		ok, err := runSubcommand(c.name, c.args)
		if !ok {
			t.Fatalf("%s is a subcommand", c.name)
		}
		var usage usageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s %q: got %v, want a usage error with %q", c.name, c.args, err, c.msg)
		}
	}
	if ok, _ := runSubcommand("-config", nil); ok {
		t.Error("-config is the server's own flag, not a subcommand")
	}
}

func TestClientTLSNamesTheBadFile(t *testing.T) {
	dir := t.TempDir()
	notPem := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPem, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := clientTLS{ca: filepath.Join(dir, "missing.pem"), cert: "c", key: "k", serverName: "temporal"}
	if _, err := c.config(); err == nil || !strings.Contains(err.Error(), "-tls-ca") {
		t.Errorf("missing CA: got %v", err)
	}
	c.ca = notPem
	if _, err := c.config(); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("CA without a certificate: got %v", err)
	}
}

func TestSchemaRefusesAConfigWithoutSQLStores(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	body := `persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:
      sql:
        pluginName: mysql8
        databaseName: temporal
        connectAddr: "127.0.0.1:3306"
        connectProtocol: tcp
    visibility:
      sql:
        pluginName: mysql8
        databaseName: temporal_visibility
        connectAddr: "127.0.0.1:3306"
        connectProtocol: tcp
`
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := runSubcommand("schema", []string{"-config", file})
	if err == nil || !strings.Contains(err.Error(), `uses plugin "mysql8"`) {
		t.Errorf("got %v, want the plugin named", err)
	}
}

func TestTemporalErrorConvertsTheStatusOfABareGRPCCall(t *testing.T) {
	wire := serviceerror.ToStatus(serviceerror.NewNamespaceNotFound("default")).Err()
	var notFound *serviceerror.NamespaceNotFound
	if errors.As(wire, &notFound) {
		t.Fatal("a status error is not a NamespaceNotFound before conversion")
	}
	if !errors.As(temporalError(wire), &notFound) {
		t.Errorf("%v: not converted to NamespaceNotFound", temporalError(wire))
	}
	plain := errors.New("no status")
	if temporalError(plain) != plain {
		t.Error("an error without a status is kept")
	}
}
