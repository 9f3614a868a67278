// godecode reads a Pulumi plan file the way the Pulumi CLI's own Go code would, and prints what
// that decoder sees: the steps per URN, as JSON. It is the reference for Preflight's differential
// test of the gate's plan reader (tests/gate/test_gate_differential.py); it is not shipped.
//
//	godecode plan FILE...     decode as `pulumi up --plan FILE` does: json.NewDecoder(f).Decode
//	                       into apitype.DeploymentPlanV1 (pkg/cmd/pulumi: readPlan)
//	godecode preview FILE  decode `pulumi preview --json` output into previewDigest below: the
//	                       CLI serialises it from display.PreviewDigest (pulumi/pkg/v3, a module
//	                       too large to fetch for a test), whose fields are the same JSON names
//	                       and the same sdk/v3 types (apitype.ResourceV3 for the states)
//
// Output, one line per FILE: {"ok": true, "steps": {URN: [op, ...]}, "types": {URN: type}} or
// {"ok": false, "error": "..."}; exit 0 either way (exit 1 only for usage errors).
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// The JSON shape of pkg/v3/display.PreviewDigest and PreviewStep (field names, tags and sdk types
// as in Pulumi v3.276.0); only the types come from Pulumi's module.
type propertyDiff struct {
	Kind      string `json:"kind"`
	InputDiff bool   `json:"inputDiff"`
}

type previewStep struct {
	Op             apitype.OpType          `json:"op"`
	URN            string                  `json:"urn"`
	Provider       string                  `json:"provider,omitempty"`
	OldState       *apitype.ResourceV3     `json:"oldState,omitempty"`
	NewState       *apitype.ResourceV3     `json:"newState,omitempty"`
	DiffReasons    []string                `json:"diffReasons,omitempty"`
	ReplaceReasons []string                `json:"replaceReasons,omitempty"`
	DetailedDiff   map[string]propertyDiff `json:"detailedDiff"`
}

type previewDiagnostic struct {
	URN      string `json:"urn,omitempty"`
	Prefix   string `json:"prefix,omitempty"`
	Message  string `json:"message,omitempty"`
	Severity string `json:"severity,omitempty"`
}

type previewDigest struct {
	Config        map[string]string      `json:"config,omitempty"`
	Steps         []*previewStep         `json:"steps,omitempty"`
	Diagnostics   []previewDiagnostic    `json:"diagnostics,omitempty"`
	Duration      time.Duration          `json:"duration,omitempty"`
	ChangeSummary map[apitype.OpType]int `json:"changeSummary,omitempty"`
	MaybeCorrupt  bool                   `json:"maybeCorrupt,omitempty"`
}

type result struct {
	OK    bool                `json:"ok"`
	Error string              `json:"error,omitempty"`
	Steps map[string][]string `json:"steps,omitempty"`
	Types map[string]string   `json:"types,omitempty"`
}

func decodePlan(f *os.File) result {
	var plan apitype.DeploymentPlanV1
	if err := json.NewDecoder(f).Decode(&plan); err != nil {
		return result{Error: err.Error()}
	}
	out := result{OK: true, Steps: map[string][]string{}, Types: map[string]string{}}
	for urn, rp := range plan.ResourcePlans {
		ops := []string{}
		for _, op := range rp.Steps {
			ops = append(ops, string(op))
		}
		out.Steps[string(urn)] = ops
		if rp.Goal != nil {
			out.Types[string(urn)] = string(rp.Goal.Type)
		}
	}
	return out
}

func decodePreview(f *os.File) result {
	var digest previewDigest
	if err := json.NewDecoder(f).Decode(&digest); err != nil {
		return result{Error: err.Error()}
	}
	out := result{OK: true, Steps: map[string][]string{}, Types: map[string]string{}}
	for _, step := range digest.Steps {
		if step == nil {
			continue
		}
		urn := string(step.URN)
		out.Steps[urn] = append(out.Steps[urn], string(step.Op))
		for _, state := range []*apitype.ResourceV3{step.NewState, step.OldState} {
			if state != nil && out.Types[urn] == "" {
				out.Types[urn] = string(state.Type)
			}
		}
	}
	return out
}

func main() {
	if len(os.Args) < 3 || (os.Args[1] != "plan" && os.Args[1] != "preview") {
		fmt.Fprintln(os.Stderr, "usage: godecode plan|preview FILE...")
		os.Exit(1)
	}
	out := json.NewEncoder(os.Stdout)
	for _, path := range os.Args[2:] {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var r result
		if os.Args[1] == "plan" {
			r = decodePlan(f)
		} else {
			r = decodePreview(f)
		}
		f.Close()
		// One line per file, in the order given.
		if err := out.Encode(r); err != nil {
			os.Exit(1)
		}
	}
}
