// Command embed-schema turns the generator's schema.json into the compact
// schema-embed.json that the plugin embeds, stamping the package version
// (the generator deliberately leaves it out).
//
//	embed-schema <schema.json> <schema-embed.json> <version>
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: embed-schema <schema.json> <schema-embed.json> <version>")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "embed-schema:", err)
		os.Exit(1)
	}
}

func run(in, out, version string) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var spec map[string]json.RawMessage
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if _, ok := spec["resources"]; !ok {
		return fmt.Errorf("%s has no resources: not a Pulumi package schema", in)
	}
	v, err := json.Marshal(version)
	if err != nil {
		return err
	}
	spec["version"] = v
	// Map keys are written sorted, so the output is deterministic.
	b, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	return os.WriteFile(out, b, 0o644)
}
