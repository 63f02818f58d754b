// validate: strict check of rendered Kubernetes manifests against the real
// API types (k8s.io/api). Every document of every file given (multi-document
// YAML, as `helm template` prints it) is decoded into the Go type its
// apiVersion and kind name, with unknown fields, duplicate keys and wrong
// types as errors. prometheus-operator's ServiceMonitor and PodMonitor are not
// core types: they are decoded, just as strictly, into the subset of their
// CRD schema that the chart uses (monitoring.coreos.com/v1).
//
// Usage:
//
//	validate [-dump OUT.json] FILE.yaml...
//	validate -yaml2json FILE.yaml   (prints one YAML document as JSON)
//
// Prints "ok KIND NAMESPACE/NAME" or "FAIL FILE#N: why" per document and
// exits 1 if any failed (or none was found). -dump writes every object, as
// JSON, into one array, for checks that need the content.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Minimal, strict ServiceMonitor / PodMonitor (monitoring.coreos.com/v1).
type relabel struct {
	SourceLabels []string `json:"sourceLabels,omitempty"`
	Separator    string   `json:"separator,omitempty"`
	TargetLabel  string   `json:"targetLabel,omitempty"`
	Regex        string   `json:"regex,omitempty"`
	Replacement  string   `json:"replacement,omitempty"`
	Action       string   `json:"action,omitempty"`
}
type endpoint struct {
	Port          string    `json:"port,omitempty"`
	Path          string    `json:"path,omitempty"`
	Interval      string    `json:"interval,omitempty"`
	ScrapeTimeout string    `json:"scrapeTimeout,omitempty"`
	Scheme        string    `json:"scheme,omitempty"`
	Relabelings   []relabel `json:"relabelings,omitempty"`
}
type nsSelector struct {
	Any        bool     `json:"any,omitempty"`
	MatchNames []string `json:"matchNames,omitempty"`
}
type serviceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Selector          metav1.LabelSelector `json:"selector"`
		NamespaceSelector nsSelector           `json:"namespaceSelector,omitempty"`
		Endpoints         []endpoint           `json:"endpoints"`
		JobLabel          string               `json:"jobLabel,omitempty"`
	} `json:"spec"`
}
type podMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Selector            metav1.LabelSelector `json:"selector"`
		NamespaceSelector   nsSelector           `json:"namespaceSelector,omitempty"`
		PodMetricsEndpoints []endpoint           `json:"podMetricsEndpoints"`
		JobLabel            string               `json:"jobLabel,omitempty"`
	} `json:"spec"`
}

func newObject(apiVersion, kind string) any {
	switch apiVersion + " " + kind {
	case "v1 ConfigMap":
		return &corev1.ConfigMap{}
	case "v1 Secret":
		return &corev1.Secret{}
	case "v1 Service":
		return &corev1.Service{}
	case "v1 ServiceAccount":
		return &corev1.ServiceAccount{}
	case "apps/v1 DaemonSet":
		return &appsv1.DaemonSet{}
	case "apps/v1 Deployment":
		return &appsv1.Deployment{}
	case "rbac.authorization.k8s.io/v1 ClusterRole":
		return &rbacv1.ClusterRole{}
	case "rbac.authorization.k8s.io/v1 ClusterRoleBinding":
		return &rbacv1.ClusterRoleBinding{}
	case "rbac.authorization.k8s.io/v1 Role":
		return &rbacv1.Role{}
	case "rbac.authorization.k8s.io/v1 RoleBinding":
		return &rbacv1.RoleBinding{}
	case "monitoring.coreos.com/v1 ServiceMonitor":
		return &serviceMonitor{}
	case "monitoring.coreos.com/v1 PodMonitor":
		return &podMonitor{}
	}
	return nil
}

var docSep = regexp.MustCompile(`(?m)^---[ \t]*(#.*)?$`)
var dns1123 = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

func main() {
	dump := flag.String("dump", "", "write every object as JSON into this file")
	toJSON := flag.String("yaml2json", "", "print this YAML file as JSON and exit")
	flag.Parse()
	if *toJSON != "" {
		data, err := os.ReadFile(*toJSON)
		if err == nil {
			data, err = yaml.YAMLToJSONStrict(data)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Stdout.Write(append(data, '\n'))
		return
	}
	failed, n := 0, 0
	var all []json.RawMessage
	for _, file := range flag.Args() {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Printf("FAIL %s: %v\n", file, err)
			failed++
			continue
		}
		for i, doc := range docSep.Split(string(data), -1) {
			where := fmt.Sprintf("%s#%d", file, i)
			var probe map[string]any
			if err := yaml.Unmarshal([]byte(doc), &probe); err != nil {
				fmt.Printf("FAIL %s: not YAML: %v\n", where, err)
				failed++
				continue
			}
			if len(probe) == 0 {
				continue // comments only
			}
			n++
			var tm metav1.TypeMeta
			_ = yaml.Unmarshal([]byte(doc), &tm)
			obj := newObject(tm.APIVersion, tm.Kind)
			if obj == nil {
				fmt.Printf("FAIL %s: no type known for apiVersion %q kind %q\n", where, tm.APIVersion, tm.Kind)
				failed++
				continue
			}
			// sigs.k8s.io/yaml: YAML -> JSON, then encoding/json with
			// DisallowUnknownFields; duplicate keys are errors too.
			if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
				fmt.Printf("FAIL %s %s: %v\n", where, tm.Kind, err)
				failed++
				continue
			}
			// A second, independent strict pass: JSON of the document
			// through json.Decoder.DisallowUnknownFields.
			js, err := yaml.YAMLToJSON([]byte(doc))
			if err == nil {
				dec := json.NewDecoder(bytes.NewReader(js))
				dec.DisallowUnknownFields()
				err = dec.Decode(newObject(tm.APIVersion, tm.Kind))
			}
			if err != nil {
				fmt.Printf("FAIL %s %s: %v\n", where, tm.Kind, err)
				failed++
				continue
			}
			meta := obj.(metav1.Object)
			if !dns1123.MatchString(meta.GetName()) || len(meta.GetName()) > 253 {
				fmt.Printf("FAIL %s %s: name %q is not a DNS-1123 subdomain\n", where, tm.Kind, meta.GetName())
				failed++
				continue
			}
			all = append(all, js)
			fmt.Printf("ok %s %s/%s\n", tm.Kind, meta.GetNamespace(), meta.GetName())
		}
	}
	if *dump != "" {
		out, _ := json.MarshalIndent(all, "", " ")
		if err := os.WriteFile(*dump, out, 0o644); err != nil {
			fmt.Printf("FAIL dump: %v\n", err)
			failed++
		}
	}
	if n == 0 {
		fmt.Println("FAIL no Kubernetes object found")
		failed++
	}
	if failed > 0 {
		os.Exit(1)
	}
}
