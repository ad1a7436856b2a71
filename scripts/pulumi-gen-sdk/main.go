// pulumi-gen-sdk: writes a language SDK for a Pulumi package schema with Pulumi's own code
// generators (github.com/pulumi/pulumi/pkg/v3/codegen, the code `pulumi package gen-sdk` runs
// through each language host). Built by scripts/engines.sh: the Node language host pinned
// there (v3.68.0) predates the GeneratePackage RPC, so the CLI cannot generate the SDKs itself.
//
// For Python it then applies language.python.propertyNames (Tessera's, from
// provider/pulumi-native/package-schema.ts): Pulumi's generator has no per-property Python name
// and splits every capital (sizeGiB -> size_gi_b); each listed property gets its name
// (size_gib) in every generated file, the wire name (@pulumi.getter(name="sizeGiB")) unchanged.
//
// Usage: pulumi-gen-sdk SCHEMA.json nodejs|python|go OUTDIR
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "pulumi-gen-sdk"

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pulumi-gen-sdk: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 4 {
		fail("usage: pulumi-gen-sdk SCHEMA.json nodejs|python|go OUTDIR")
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail("%s: %v", os.Args[1], err)
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		fail("%s: not a package schema: %v", os.Args[1], err)
	}
	// The schema references no other package: the loader is never asked for one.
	loader := schema.NewPluginLoader(nil)
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{})
	if err != nil {
		fail("%s: %v", os.Args[1], err)
	}
	if diags.HasErrors() {
		fail("%s: %v", os.Args[1], diags)
	}
	var files map[string][]byte
	switch os.Args[2] {
	case "nodejs":
		files, err = nodejs.GeneratePackage(tool, pkg, nil, nil, false, loader)
	case "python":
		files, err = python.GeneratePackage(tool, pkg, nil, loader)
	case "go":
		files, err = gogen.GeneratePackage(tool, pkg, nil)
	default:
		fail("language %q: expected nodejs, python or go", os.Args[2])
	}
	if err != nil {
		fail("%s: %v", os.Args[2], err)
	}
	if os.Args[2] == "python" {
		if err := renamePython(files, data); err != nil {
			fail("python: %v", err)
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		target := filepath.Join(os.Args[3], filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			fail("%v", err)
		}
		if err := os.WriteFile(target, files[name], 0o644); err != nil {
			fail("%v", err)
		}
	}
	fmt.Printf("%d files\n", len(names))
}

// renamePython replaces, as a whole identifier, the generator's Python name of each property in
// language.python.propertyNames with the listed one. A listed name already in use is an error
// (two properties would share a Python name).
func renamePython(files map[string][]byte, schemaJSON []byte) error {
	var doc struct {
		Language struct {
			Python struct {
				PropertyNames map[string]string `json:"propertyNames"`
			} `json:"python"`
		} `json:"language"`
	}
	if err := json.Unmarshal(schemaJSON, &doc); err != nil {
		return err
	}
	renames := map[string]string{}
	for prop, want := range doc.Language.Python.PropertyNames {
		if !regexp.MustCompile(`^[a-z_][a-z0-9_]*$`).MatchString(want) {
			return fmt.Errorf("language.python.propertyNames.%s: %q is not a snake_case Python name", prop, want)
		}
		if from := python.PyName(prop); from != want {
			renames[from] = want
		}
	}
	if len(renames) == 0 {
		return nil
	}
	froms := make([]string, 0, len(renames))
	for from, want := range renames {
		froms = append(froms, regexp.QuoteMeta(from))
		taken := regexp.MustCompile(`\b` + regexp.QuoteMeta(want) + `\b`)
		for name, text := range files {
			if taken.Match(text) {
				return fmt.Errorf("%s: %q is already a name in the generated SDK", name, want)
			}
		}
	}
	sort.Strings(froms)
	re := regexp.MustCompile(`\b(` + strings.Join(froms, "|") + `)\b`)
	for name, text := range files {
		files[name] = re.ReplaceAllFunc(text, func(m []byte) []byte { return []byte(renames[string(m)]) })
	}
	return nil
}
