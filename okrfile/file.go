// Package okrfile reads and writes a quarter's plan (its teams, objectives,
// key results and the links between them) as a file an admin writes in a
// text editor (YAML, or JSON) or a spreadsheet (CSV), and applies one to
// the store: everything is checked first, each problem reported with its
// line, and applying the same file twice changes nothing.
//
// Objectives are matched to those stored by cycle, level, owner and title,
// and key results to their objective's by title, so a file can be edited
// and imported again; nothing stored is deleted by an import. Check-ins are
// not part of a plan: key results start at their start value.
package okrfile

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// File is a plan for one cycle.
type File struct {
	Cycle      string      `yaml:"cycle" json:"cycle"`
	Teams      []Team      `yaml:"teams,omitempty" json:"teams,omitempty"`
	Objectives []Objective `yaml:"objectives" json:"objectives"`
}

// Team is a team, or a department (a team other teams name).
type Team struct {
	Name       string   `yaml:"name" json:"name"`
	Department string   `yaml:"department,omitempty" json:"department,omitempty"`
	Lead       string   `yaml:"lead,omitempty" json:"lead,omitempty"`
	Members    []string `yaml:"members,omitempty,flow" json:"members,omitempty"`
	Channel    string   `yaml:"channel,omitempty" json:"channel,omitempty"`
	Line       int      `yaml:"-" json:"-"`
}

// Objective is an objective with its key results. Key names it for the
// parent of another objective in the file; it defaults to the title.
type Objective struct {
	Key         string `yaml:"key,omitempty" json:"key,omitempty"`
	Title       string `yaml:"title" json:"title"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	Level       string `yaml:"level" json:"level"`
	Owner       string `yaml:"owner" json:"owner"`
	Team        string `yaml:"team,omitempty" json:"team,omitempty"`
	// Parent is the key of the objective it supports, or a stored
	// objective's reference ("O12"); ParentKeyResult, the title of one of
	// that objective's key results when it supports that key result.
	Parent          string      `yaml:"parent,omitempty" json:"parent,omitempty"`
	ParentKeyResult string      `yaml:"parent_key_result,omitempty" json:"parent_key_result,omitempty"`
	KeyResults      []KeyResult `yaml:"key_results,omitempty" json:"key_results,omitempty"`
	Line            int         `yaml:"-" json:"-"`
}

// KeyOrTitle is the name other objectives use for it as a parent.
func (o *Objective) KeyOrTitle() string {
	if o.Key != "" {
		return o.Key
	}
	return o.Title
}

// KeyResult is a key result; Owner defaults to the objective's, Kind to
// increase and Weight to 1.
type KeyResult struct {
	Title  string  `yaml:"title" json:"title"`
	Kind   string  `yaml:"kind,omitempty" json:"kind,omitempty"`
	Start  float64 `yaml:"start" json:"start"`
	Target float64 `yaml:"target" json:"target"`
	Unit   string  `yaml:"unit,omitempty" json:"unit,omitempty"`
	Owner  string  `yaml:"owner,omitempty" json:"owner,omitempty"`
	Weight float64 `yaml:"weight,omitempty" json:"weight,omitempty"`
	Line   int     `yaml:"-" json:"-"`
}

// Problem is one thing wrong in a file, at a line (0 when it is about the
// whole file).
type Problem struct {
	Line    int
	Message string
}

func (p Problem) String() string {
	if p.Line == 0 {
		return p.Message
	}
	return fmt.Sprintf("line %d: %s", p.Line, p.Message)
}

// Problems is every problem found; it is an error.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Formats are the file formats, by name.
var Formats = []string{"yaml", "json", "csv"}

// FormatOf guesses a file's format from its name: .csv, .json, or YAML.
func FormatOf(name string) string {
	switch {
	case strings.HasSuffix(strings.ToLower(name), ".csv"):
		return "csv"
	case strings.HasSuffix(strings.ToLower(name), ".json"):
		return "json"
	}
	return "yaml"
}

// Read parses a file in format. What cannot be read is reported as
// Problems, with lines.
func Read(r io.Reader, format string) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	switch format {
	case "yaml", "json":
		// JSON is read as YAML (it is a subset), for the line numbers.
		return readYAML(data)
	case "csv":
		return readCSV(data)
	}
	return nil, fmt.Errorf("unknown format %q: use one of %s", format, strings.Join(Formats, ", "))
}

func readYAML(data []byte) (*File, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Problems{{Message: "the file is empty"}}
		}
		return nil, yamlProblems(err)
	}
	// The lines of each item, from the same text as a tree of nodes.
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err == nil && len(root.Content) == 1 {
		doc := root.Content[0]
		for i, team := range items(doc, "teams") {
			if i < len(f.Teams) {
				f.Teams[i].Line = team.Line
			}
		}
		for i, obj := range items(doc, "objectives") {
			if i >= len(f.Objectives) {
				break
			}
			f.Objectives[i].Line = obj.Line
			for j, kr := range items(obj, "key_results") {
				if j < len(f.Objectives[i].KeyResults) {
					f.Objectives[i].KeyResults[j].Line = kr.Line
				}
			}
		}
	}
	if problems := append(nonFinite(&f), notUTF8(&f)...); len(problems) > 0 {
		return nil, problems
	}
	return &f, nil
}

// notUTF8 reports text that is not UTF-8, which a CSV file or a YAML
// !!binary value can hold: Slack and the JSON the bot writes would show
// each bad byte as U+FFFD.
func notUTF8(f *File) Problems {
	var problems Problems
	check := func(line int, texts ...string) {
		for _, s := range texts {
			if !utf8.ValidString(s) {
				problems = append(problems, Problem{Line: line, Message: fmt.Sprintf("%q is not UTF-8 text; save the file as UTF-8", s)})
				return
			}
		}
	}
	check(0, f.Cycle)
	for _, t := range f.Teams {
		check(t.Line, append([]string{t.Name, t.Department, t.Lead, t.Channel}, t.Members...)...)
	}
	for _, o := range f.Objectives {
		check(o.Line, o.Key, o.Title, o.Description, o.Level, o.Owner, o.Team, o.Parent, o.ParentKeyResult)
		for _, kr := range o.KeyResults {
			check(kr.Line, kr.Title, kr.Kind, kr.Unit, kr.Owner)
		}
	}
	return problems
}

// nonFinite reports the numbers YAML can write but a key result cannot
// hold (.nan, .inf, -.inf): no progress can be computed from them, and a
// plan holding one could not be written back as JSON.
func nonFinite(f *File) Problems {
	var problems Problems
	for _, o := range f.Objectives {
		for _, kr := range o.KeyResults {
			for _, n := range []struct {
				name string
				v    float64
			}{{"start", kr.Start}, {"target", kr.Target}, {"weight", kr.Weight}} {
				if math.IsNaN(n.v) || math.IsInf(n.v, 0) {
					problems = append(problems, Problem{Line: kr.Line, Message: fmt.Sprintf("%s %v is not a number", n.name, n.v)})
				}
			}
		}
	}
	return problems
}

// items are the elements of the list under key in a mapping node.
func items(n *yaml.Node, key string) []*yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && n.Content[i+1].Kind == yaml.SequenceNode {
			return n.Content[i+1].Content
		}
	}
	return nil
}

// yamlProblems turns the YAML library's errors into Problems ("yaml: line
// 3: ..." and, for type errors, one such line each).
func yamlProblems(err error) Problems {
	var te *yaml.TypeError
	var msgs []string
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var out Problems
	for _, m := range msgs {
		m = strings.TrimPrefix(m, "yaml: ")
		line := 0
		if rest, ok := strings.CutPrefix(m, "line "); ok {
			if num, tail, ok := strings.Cut(rest, ":"); ok {
				if n, err := strconv.Atoi(num); err == nil {
					line, m = n, strings.TrimSpace(tail)
				}
			}
		}
		m = strings.Replace(m, "not found in type okrfile.", "not known in ", 1)
		out = append(out, Problem{Line: line, Message: m})
	}
	return out
}

// csvColumns are a CSV file's columns: one row per key result, the
// objective's columns repeated on each of its rows (an objective without
// key results has one row with them empty). The cycle is a column too, the
// same on every row. A CSV file has no teams: the teams it names must
// exist.
var csvColumns = []string{"cycle", "key", "objective", "description", "level", "owner", "team", "parent", "parent_key_result",
	"key_result", "kind", "start", "target", "unit", "kr_owner", "weight"}

func readCSV(data []byte) (*File, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err == io.EOF {
		return nil, Problems{{Message: "the file is empty"}}
	}
	if err != nil {
		return nil, csvProblem(err)
	}
	col := map[string]int{}
	var problems Problems
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(csvColumns, h) {
			problems = append(problems, Problem{Line: 1, Message: fmt.Sprintf("column %q is not one of %s", h, strings.Join(csvColumns, ", "))})
			continue
		}
		col[h] = i
	}
	for _, need := range []string{"cycle", "objective", "level", "owner"} {
		if _, ok := col[need]; !ok {
			problems = append(problems, Problem{Line: 1, Message: fmt.Sprintf("the %s column is missing", need)})
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	f := &File{}
	byIdentity := map[string]int{} // objective identity → index in f.Objectives
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			problems = append(problems, csvProblem(err)...)
			break
		}
		line, _ := r.FieldPos(0)
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue // a blank row
		}
		switch cycle := get("cycle"); {
		case f.Cycle == "":
			f.Cycle = cycle
		case cycle != f.Cycle:
			problems = append(problems, Problem{Line: line, Message: fmt.Sprintf("cycle %q differs from %q on the rows before; a file holds one cycle", cycle, f.Cycle)})
		}
		o := Objective{Key: get("key"), Title: get("objective"), Description: get("description"), Level: get("level"), Owner: get("owner"),
			Team: get("team"), Parent: get("parent"), ParentKeyResult: get("parent_key_result"), Line: line}
		id := strings.ToLower(o.Level + "\x00" + o.Owner + "\x00" + o.Title)
		i, seen := byIdentity[id]
		if !seen {
			i = len(f.Objectives)
			byIdentity[id] = i
			f.Objectives = append(f.Objectives, o)
		} else if prev := f.Objectives[i]; prev.Key != o.Key || prev.Description != o.Description || prev.Team != o.Team ||
			prev.Parent != o.Parent || prev.ParentKeyResult != o.ParentKeyResult {
			problems = append(problems, Problem{Line: line, Message: fmt.Sprintf("objective %q is described differently than on line %d; repeat its columns as they are", o.Title, prev.Line)})
		}
		if get("key_result") == "" {
			continue
		}
		kr := KeyResult{Title: get("key_result"), Kind: get("kind"), Unit: get("unit"), Owner: get("kr_owner"), Line: line}
		for _, n := range []struct {
			name string
			dst  *float64
		}{{"start", &kr.Start}, {"target", &kr.Target}, {"weight", &kr.Weight}} {
			s := get(n.name)
			if s == "" {
				continue
			}
			v, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) { // ParseFloat reads "NaN" and "Inf"
				problems = append(problems, Problem{Line: line, Message: fmt.Sprintf("%s %q is not a number", n.name, s)})
				continue
			}
			*n.dst = v
		}
		f.Objectives[i].KeyResults = append(f.Objectives[i].KeyResults, kr)
	}
	problems = append(problems, notUTF8(f)...)
	if len(problems) > 0 {
		return nil, problems
	}
	return f, nil
}

func csvProblem(err error) Problems {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return Problems{{Line: pe.Line, Message: pe.Err.Error()}}
	}
	return Problems{{Message: err.Error()}}
}

// Write writes f in format.
func Write(w io.Writer, f *File, format string) error {
	switch format {
	case "yaml":
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(f); err != nil {
			return err
		}
		return enc.Close()
	case "json":
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(f); err != nil {
			return err
		}
		_, err := w.Write(yamlSafeJSON(buf.Bytes()))
		return err
	case "csv":
		return writeCSV(w, f)
	}
	return fmt.Errorf("unknown format %q: use one of %s", format, strings.Join(Formats, ", "))
}

// yamlSafeJSON escapes the characters encoding/json writes as they are but
// YAML does not take in a string (DEL, the C1 controls, U+FFFE and U+FFFF)
// or reads as a line break (NEL), so that Read, which reads JSON as YAML,
// reads a written file back. They can only be inside strings, where \u
// escapes mean the same in JSON and YAML.
func yamlSafeJSON(b []byte) []byte {
	var out bytes.Buffer
	for _, r := range string(b) {
		if r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0xfffe || r == 0xffff {
			fmt.Fprintf(&out, `\u%04x`, r)
			continue
		}
		out.WriteRune(r)
	}
	return out.Bytes()
}

func writeCSV(w io.Writer, f *File) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvColumns); err != nil {
		return err
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, o := range f.Objectives {
		head := []string{f.Cycle, o.Key, o.Title, o.Description, o.Level, o.Owner, o.Team, o.Parent, o.ParentKeyResult}
		if len(o.KeyResults) == 0 {
			if err := cw.Write(append(head, "", "", "", "", "", "", "")); err != nil {
				return err
			}
		}
		for _, kr := range o.KeyResults {
			weight := ""
			if kr.Weight != 0 {
				weight = num(kr.Weight)
			}
			row := append(slices.Clone(head), kr.Title, kr.Kind, num(kr.Start), num(kr.Target), kr.Unit, kr.Owner, weight)
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
