package main

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/okrbot/okrbot/bot"
)

// TestREADME_NamesEverything keeps the README true to the code: every /okr
// verb has a row with an example of it, and every subcommand and
// configuration variable is documented.
func TestREADME_NamesEverything(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	for _, v := range bot.Verbs() {
		row, ok := findRow(readme, "| `/okr "+v)
		if !ok {
			t.Errorf("README.md has no row for /okr %s", v)
			continue
		}
		if cells := strings.Split(row, " | "); len(cells) != 3 || !strings.HasPrefix(cells[2], "`/okr "+v) {
			t.Errorf("README.md's row for /okr %s has no example of it: %s", v, row)
		}
	}
	for _, c := range subcommands() {
		if _, ok := findRow(readme, "| `okrbot "+c.name); !ok {
			t.Errorf("README.md has no row for okrbot %s", c.name)
		}
	}
	config := reflect.TypeFor[Config]()
	for i := range config.NumField() {
		if name := config.Field(i).Tag.Get("envconfig"); name != "" {
			if _, ok := findRow(readme, "| `"+name+"` |"); !ok {
				t.Errorf("README.md's configuration table lacks %s", name)
			}
		}
	}
}

// findRow is the table row of README.md that starts with prefix followed by
// the end of a word ("| `/okr list" and not "| `/okr listing").
func findRow(readme, prefix string) (string, bool) {
	for _, line := range strings.Split(readme, "\n") {
		if rest, ok := strings.CutPrefix(line, prefix); ok && (rest == "" || strings.ContainsAny(rest[:1], " `|")) {
			return line, true
		}
	}
	return "", false
}
