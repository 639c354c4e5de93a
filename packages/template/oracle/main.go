// Command oracle renders template conformance cases with real Go text/template + Sprig + the Sveltos
// function set, and writes what Go produced (text or error) as golden JSON. It is the reference the
// TypeScript engine is compared against; it is never a runtime dependency.
//
// Usage:
//
//	oracle render CASES.json GOLDEN.json
//	oracle bench CASES.json ITERATIONS
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/Masterminds/sprig/v3"
	"github.com/sveltos-ts/template-oracle/controllers"
	corev1 "k8s.io/api/core/v1"
)

type caseDef struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Template   string            `json:"template"`
	Context    string            `json:"context"`
	Data       json.RawMessage   `json:"data"`
	Numbers    string            `json:"numbers"`
	MissingKey string            `json:"missingkey"`
	Env        map[string]string `json:"env"`
}

type caseFile struct {
	Cases []caseDef `json:"cases"`
}

type goldenError struct {
	Phase   string `json:"phase"`
	Message string `json:"message"`
}

type golden struct {
	ID     string       `json:"id"`
	Output *string      `json:"output,omitempty"`
	Error  *goldenError `json:"error,omitempty"`
}

func main() {
	time.Local = time.UTC
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: oracle render CASES.json GOLDEN.json | oracle bench CASES.json ITERATIONS")
		os.Exit(2)
	}
	cases, err := readCases(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	switch os.Args[1] {
	case "render":
		err = render(cases, os.Args[3])
	case "bench":
		err = bench(cases, os.Args[3])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func readCases(path string) ([]caseDef, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var file caseFile
	if err := json.Unmarshal(raw, &file); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return file.Cases, nil
}

func render(cases []caseDef, out string) error {
	results := make([]golden, 0, len(cases))
	for _, c := range cases {
		results = append(results, renderOne(c))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(results); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// prepared is one case ready to execute: its parsed template and a function that builds a fresh dot.
type prepared struct {
	tmpl *template.Template
	dot  func() (interface{}, error)
}

func prepare(c caseDef) (*prepared, *goldenError) {
	name := c.Name
	if name == "" {
		name = "t"
	}
	missing := c.MissingKey
	if missing == "" {
		missing = "error"
	}
	state := &contextState{}
	funcs := baseFuncs(c.Env != nil)
	switch c.Context {
	case "", "plain":
	case "addon":
		addResourceFuncs(funcs, addonResourceFuncs(state))
	case "event-one", "event-many":
		addResourceFuncs(funcs, eventResourceFuncs())
	default:
		return nil, &goldenError{Phase: "setup", Message: "unknown context " + c.Context}
	}
	t, err := template.New(name).Option("missingkey=" + missing).Funcs(funcs).Parse(c.Template)
	if err != nil {
		return nil, &goldenError{Phase: "parse", Message: err.Error()}
	}
	dot := func() (interface{}, error) {
		data, err := decodeData(c.Data, c.Numbers == "float64")
		if err != nil {
			return nil, err
		}
		return buildDot(c.Context, data, state)
	}
	return &prepared{tmpl: t, dot: dot}, nil
}

func renderOne(c caseDef) (result golden) {
	result.ID = c.ID
	defer func() {
		if r := recover(); r != nil {
			result.Output = nil
			result.Error = &goldenError{Phase: "panic", Message: fmt.Sprint(r)}
		}
	}()
	os.Clearenv()
	for k, v := range c.Env {
		os.Setenv(k, v)
	}
	p, gerr := prepare(c)
	if gerr != nil {
		result.Error = gerr
		return result
	}
	dot, err := p.dot()
	if err != nil {
		result.Error = &goldenError{Phase: "setup", Message: err.Error()}
		return result
	}
	var buf bytes.Buffer
	if err := p.tmpl.Execute(&buf, dot); err != nil {
		result.Error = &goldenError{Phase: "exec", Message: err.Error()}
		return result
	}
	text := buf.String()
	result.Output = &text
	return result
}

// bench executes every parseable case ITERATIONS times and prints the elapsed time as JSON.
func bench(cases []caseDef, iterations string) error {
	n, err := strconv.Atoi(iterations)
	if err != nil {
		return err
	}
	type runnable struct {
		p   *prepared
		dot interface{}
	}
	var runs []runnable
	parseStart := time.Now()
	for _, c := range cases {
		p, gerr := prepare(c)
		if gerr != nil {
			continue
		}
		dot, err := p.dot()
		if err != nil {
			return err
		}
		runs = append(runs, runnable{p, dot})
	}
	parseNs := time.Since(parseStart).Nanoseconds()
	var buf bytes.Buffer
	start := time.Now()
	renders := 0
	for i := 0; i < n; i++ {
		for _, r := range runs {
			buf.Reset()
			_ = r.p.tmpl.Execute(&buf, r.dot)
			renders++
		}
	}
	elapsed := time.Since(start).Nanoseconds()
	return json.NewEncoder(os.Stdout).Encode(map[string]interface{}{
		"templates": len(runs), "renders": renders, "executeNs": elapsed, "parseNs": parseNs,
	})
}

type contextState struct {
	mgmt map[string]map[string]interface{}
}

func asMap(v interface{}, what string) (map[string]interface{}, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]interface{})
	if !ok {
		return nil, fmt.Errorf("%s must be an object", what)
	}
	return m, nil
}

func asMapList(v interface{}, what string) ([]map[string]interface{}, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]interface{})
	if !ok {
		return nil, fmt.Errorf("%s must be a list", what)
	}
	out := make([]map[string]interface{}, 0, len(list))
	for _, item := range list {
		m, err := asMap(item, what+" entry")
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func asRef(v interface{}) (corev1.ObjectReference, error) {
	var ref corev1.ObjectReference
	if v == nil {
		return ref, nil
	}
	r, ok := v.(corev1.ObjectReference)
	if !ok {
		return ref, fmt.Errorf("matching resource must be a $ref")
	}
	return r, nil
}

func buildDot(context string, data interface{}, state *contextState) (interface{}, error) {
	if context == "" || context == "plain" {
		return data, nil
	}
	top, err := asMap(data, "data")
	if err != nil {
		return nil, err
	}
	cluster, err := asMap(top["Cluster"], "Cluster")
	if err != nil {
		return nil, err
	}
	switch context {
	case "addon":
		infra, err := asMap(top["InfrastructureProvider"], "InfrastructureProvider")
		if err != nil {
			return nil, err
		}
		kcp, err := asMap(top["KubeadmControlPlane"], "KubeadmControlPlane")
		if err != nil {
			return nil, err
		}
		rawMgmt, err := asMap(top["MgmtResources"], "MgmtResources")
		if err != nil {
			return nil, err
		}
		var mgmt map[string]map[string]interface{}
		if rawMgmt != nil {
			mgmt = map[string]map[string]interface{}{}
			for id, obj := range rawMgmt {
				m, err := asMap(obj, "MgmtResources entry")
				if err != nil {
					return nil, err
				}
				mgmt[id] = m
			}
		}
		state.mgmt = mgmt
		return controllers.NewAddon(cluster, infra, kcp, mgmt), nil
	case "event-one":
		ref, err := asRef(top["MatchingResource"])
		if err != nil {
			return nil, err
		}
		resource, err := asMap(top["Resource"], "Resource")
		if err != nil {
			return nil, err
		}
		cloudEvent, err := asMap(top["CloudEvent"], "CloudEvent")
		if err != nil {
			return nil, err
		}
		return controllers.NewEventOne(ref, resource, cloudEvent, cluster), nil
	default:
		var refs []corev1.ObjectReference
		if list, ok := top["MatchingResources"].([]interface{}); ok {
			for _, item := range list {
				ref, err := asRef(item)
				if err != nil {
					return nil, err
				}
				refs = append(refs, ref)
			}
		}
		resources, err := asMapList(top["Resources"], "Resources")
		if err != nil {
			return nil, err
		}
		cloudEvents, err := asMapList(top["CloudEvents"], "CloudEvents")
		if err != nil {
			return nil, err
		}
		return controllers.NewEventMany(refs, resources, cloudEvents, cluster), nil
	}
}

// decodeData turns the case's typed JSON into Go values. Integral numbers become int64 (Kubernetes
// objects, and event data per the project's decision) unless the case asks for float64 (JSON-decoded
// data as encoding/json produces it). Single-key objects whose key starts with "$" are type markers.
func decodeData(raw json.RawMessage, floats bool) (interface{}, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v interface{}
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return typed(v, floats)
}

func typed(v interface{}, floats bool) (interface{}, error) {
	switch t := v.(type) {
	case json.Number:
		if !floats {
			if i, err := t.Int64(); err == nil {
				return i, nil
			}
		}
		return t.Float64()
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, item := range t {
			c, err := typed(item, floats)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case map[string]interface{}:
		if len(t) == 1 {
			for k, inner := range t {
				if strings.HasPrefix(k, "$") {
					return marker(k, inner, floats)
				}
			}
		}
		out := make(map[string]interface{}, len(t))
		for k, item := range t {
			c, err := typed(item, floats)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	default:
		return v, nil
	}
}

func marker(kind string, v interface{}, floats bool) (interface{}, error) {
	switch kind {
	case "$int", "$int64", "$float":
		n, ok := v.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%s needs a number", kind)
		}
		switch kind {
		case "$int":
			i, err := n.Int64()
			return int(i), err
		case "$int64":
			return n.Int64()
		default:
			return n.Float64()
		}
	case "$strings":
		list, ok := v.([]interface{})
		if !ok {
			return nil, fmt.Errorf("$strings needs a list")
		}
		out := make([]string, len(list))
		for i, item := range list {
			s, ok := item.(string)
			if !ok {
				return nil, fmt.Errorf("$strings needs strings")
			}
			out[i] = s
		}
		return out, nil
	case "$nilmap":
		return map[string]interface{}(nil), nil
	case "$ref":
		fields, ok := v.(map[string]interface{})
		if !ok {
			return nil, fmt.Errorf("$ref needs an object")
		}
		get := func(name string) string {
			s, _ := fields[name].(string)
			return s
		}
		return corev1.ObjectReference{
			Kind: get("Kind"), Namespace: get("Namespace"), Name: get("Name"),
			APIVersion: get("APIVersion"), ResourceVersion: get("ResourceVersion"), FieldPath: get("FieldPath"),
		}, nil
	}
	return nil, fmt.Errorf("unknown marker %s", kind)
}

func baseFuncs(envEnabled bool) template.FuncMap {
	funcs := sprig.TxtFuncMap()
	if !envEnabled {
		delete(funcs, "env")
		delete(funcs, "expandenv")
	}
	// DNS lookups from a template are not reproducible; the TypeScript engine leaves getHostByName
	// undefined unless the caller provides a resolver, and so does the oracle.
	delete(funcs, "getHostByName")
	for name, fn := range sveltosExtraFuncs() {
		funcs[name] = fn
	}
	return funcs
}

func addResourceFuncs(funcs template.FuncMap, extra template.FuncMap) {
	for name, fn := range extra {
		funcs[name] = fn
	}
}
