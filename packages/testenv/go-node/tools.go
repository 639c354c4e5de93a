//go:build tools

// Keeps the node packages in the module graph so `go build <pkg>` resolves them.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-scheduler/app"
	_ "k8s.io/kubernetes/cmd/kubelet/app"
)
