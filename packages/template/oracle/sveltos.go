package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"text/template"

	"github.com/BurntSushi/toml"
	yamlv3 "gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	sigsyaml "sigs.k8s.io/yaml"
)

// sveltosExtraFuncs are the serialisation helpers Sveltos adds on top of Sprig. Their behaviour (errors
// swallowed into the result, trailing newline of YAML trimmed) follows reference/templates.md §2.3.
func sveltosExtraFuncs() template.FuncMap {
	return template.FuncMap{
		"toYaml": func(v interface{}) string {
			out, err := sigsyaml.Marshal(v)
			if err != nil {
				return ""
			}
			return strings.TrimSuffix(string(out), "\n")
		},
		"fromYaml": func(s string) map[string]interface{} {
			m := map[string]interface{}{}
			if err := sigsyaml.Unmarshal([]byte(s), &m); err != nil {
				return map[string]interface{}{"Error": err.Error()}
			}
			return m
		},
		"fromYamlArray": func(s string) []interface{} {
			var list []interface{}
			if err := sigsyaml.Unmarshal([]byte(s), &list); err != nil {
				return []interface{}{err.Error()}
			}
			return list
		},
		"toJson": func(v interface{}) string {
			out, err := json.Marshal(v)
			if err != nil {
				return ""
			}
			return string(out)
		},
		"fromJson": func(s string) map[string]interface{} {
			m := map[string]interface{}{}
			if err := json.Unmarshal([]byte(s), &m); err != nil {
				return map[string]interface{}{"Error": err.Error()}
			}
			return m
		},
		"fromJsonArray": func(s string) []interface{} {
			var list []interface{}
			if err := json.Unmarshal([]byte(s), &list); err != nil {
				return []interface{}{err.Error()}
			}
			return list
		},
		"toToml": func(v interface{}) string {
			var buf bytes.Buffer
			if err := toml.NewEncoder(&buf).Encode(v); err != nil {
				return err.Error()
			}
			return buf.String()
		},
		"fromToml": func(s string) map[string]interface{} {
			m := map[string]interface{}{}
			if _, err := toml.Decode(s, &m); err != nil {
				return map[string]interface{}{"Error": err.Error()}
			}
			return m
		},
	}
}

func fieldPath(path string) []string { return strings.Split(path, ".") }

// resetMeta drops the server-managed metadata Sveltos strips before handing an object to a template.
func resetMeta(obj map[string]interface{}) {
	unstructured.RemoveNestedField(obj, "metadata", "managedFields")
	unstructured.RemoveNestedField(obj, "metadata", "resourceVersion")
	unstructured.RemoveNestedField(obj, "metadata", "uid")
}

func marshalV2(obj map[string]interface{}) string {
	out, err := sigsyaml.Marshal(obj)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

func marshalV3(obj map[string]interface{}) string {
	out, err := yamlv3.Marshal(obj)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

func getFieldCopy(obj map[string]interface{}, path string) interface{} {
	v, found, err := unstructured.NestedFieldCopy(obj, fieldPath(path)...)
	if err != nil || !found {
		return ""
	}
	return v
}

func chainFuncs() template.FuncMap {
	return template.FuncMap{
		"chainRemoveField": func(obj map[string]interface{}, path string) map[string]interface{} {
			unstructured.RemoveNestedField(obj, fieldPath(path)...)
			return obj
		},
		"chainSetField": func(obj map[string]interface{}, path string, value interface{}) map[string]interface{} {
			if err := unstructured.SetNestedField(obj, value, fieldPath(path)...); err != nil {
				return nil
			}
			return obj
		},
	}
}

// addonResourceFuncs is the addon-controller flavour: objects are named by templateResourceRefs
// identifier and live in the MgmtResources map of the dot.
func addonResourceFuncs(state *contextState) template.FuncMap {
	funcs := chainFuncs()
	funcs["getResource"] = func(id string) map[string]interface{} {
		obj := state.mgmt[id]
		resetMeta(obj)
		return obj
	}
	funcs["copy"] = func(id string) string {
		obj, ok := state.mgmt[id]
		if !ok {
			return ""
		}
		resetMeta(obj)
		return marshalV2(obj)
	}
	funcs["getField"] = func(id, path string) interface{} {
		obj, ok := state.mgmt[id]
		if !ok {
			return ""
		}
		return getFieldCopy(obj, path)
	}
	funcs["removeField"] = func(id, path string) string {
		obj, ok := state.mgmt[id]
		if !ok {
			return ""
		}
		unstructured.RemoveNestedField(obj, fieldPath(path)...)
		resetMeta(obj)
		return marshalV2(obj)
	}
	funcs["setField"] = func(id, path string, value interface{}) string {
		obj, ok := state.mgmt[id]
		if !ok {
			return ""
		}
		if err := unstructured.SetNestedField(obj, value, fieldPath(path)...); err != nil {
			return ""
		}
		resetMeta(obj)
		return marshalV2(obj)
	}
	return funcs
}

// eventResourceFuncs is the event-manager flavour: the first argument is the object itself and the
// YAML output uses gopkg.in/yaml.v3.
func eventResourceFuncs() template.FuncMap {
	funcs := chainFuncs()
	funcs["getResource"] = func(obj map[string]interface{}) map[string]interface{} {
		resetMeta(obj)
		return obj
	}
	funcs["copy"] = func(obj map[string]interface{}) string {
		resetMeta(obj)
		return marshalV3(obj)
	}
	funcs["getField"] = func(obj map[string]interface{}, path string) interface{} {
		return getFieldCopy(obj, path)
	}
	funcs["removeField"] = func(obj map[string]interface{}, path string) string {
		unstructured.RemoveNestedField(obj, fieldPath(path)...)
		resetMeta(obj)
		return marshalV3(obj)
	}
	funcs["setField"] = func(obj map[string]interface{}, path string, value interface{}) string {
		if err := unstructured.SetNestedField(obj, value, fieldPath(path)...); err != nil {
			return ""
		}
		resetMeta(obj)
		return marshalV3(obj)
	}
	return funcs
}
