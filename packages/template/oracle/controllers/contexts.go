// Package controllers holds the data shapes Sveltos passes as dot, with the same Go type names, so that
// error messages and %v output of the oracle name the same types as upstream.
package controllers

import corev1 "k8s.io/api/core/v1"

type currentClusterObjects struct {
	Cluster                map[string]interface{}
	InfrastructureProvider map[string]interface{}
	KubeadmControlPlane    map[string]interface{}
	MgmtResources          map[string]map[string]interface{}
}

type currentObject struct {
	MatchingResource corev1.ObjectReference
	Resource         map[string]interface{}
	CloudEvent       map[string]interface{}
	Cluster          map[string]interface{}
}

type currentObjects struct {
	MatchingResources []corev1.ObjectReference
	Resources         []map[string]interface{}
	CloudEvents       []map[string]interface{}
	Cluster           map[string]interface{}
}

// NewAddon returns the addon-controller dot.
func NewAddon(cluster, infra, kcp map[string]interface{}, mgmt map[string]map[string]interface{}) interface{} {
	return &currentClusterObjects{Cluster: cluster, InfrastructureProvider: infra, KubeadmControlPlane: kcp, MgmtResources: mgmt}
}

// NewEventOne returns the event-manager dot for oneForEvent: true.
func NewEventOne(ref corev1.ObjectReference, resource, cloudEvent, cluster map[string]interface{}) interface{} {
	return &currentObject{MatchingResource: ref, Resource: resource, CloudEvent: cloudEvent, Cluster: cluster}
}

// NewEventMany returns the event-manager dot for oneForEvent: false.
func NewEventMany(refs []corev1.ObjectReference, resources, cloudEvents []map[string]interface{}, cluster map[string]interface{}) interface{} {
	return &currentObjects{MatchingResources: refs, Resources: resources, CloudEvents: cloudEvents, Cluster: cluster}
}
