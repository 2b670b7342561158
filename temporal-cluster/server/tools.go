//go:build tools

// Package tools pins the Temporal SQL schema tool to the same module version
// as the server, so `go build go.temporal.io/server/cmd/tools/sql` works.
package tools

import (
	_ "go.temporal.io/server/cmd/tools/sql"
)
