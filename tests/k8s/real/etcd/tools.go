//go:build tools

// Package tools pins etcd's server module, whose root package is the etcd
// command: go build -trimpath -o etcd go.etcd.io/etcd/server/v3
package tools

import _ "go.etcd.io/etcd/server/v3"
