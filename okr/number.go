package okr

import (
	"math"
	"strconv"
	"strings"
	"unicode"
)

// ParseNumber reads a number as people type it in a form: "1,200", "12.5%",
// "$3k", "1.2M", "-4", "€2.5m", "3 leads". It returns the value and the unit
// it found ("%", "$", "€", "£", or a trailing word), so a form can keep the
// unit a person typed. Suffixes k, m (or M) and b multiply by a thousand, a
// million and a billion. Anything else is an EINVALID error on field, named
// with label ("Target must be a number, like 1,200 or 12.5%.").
func ParseNumber(field, label, s string) (float64, string, error) {
	bad := FieldErrorf(field, "%s must be a number, like 1,200 or 12.5%% or $3k.", label)
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, "", FieldErrorf(field, "%s is required.", label)
	}
	unit := ""
	negative := false
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−") {
		negative = true
		s = strings.TrimLeft(strings.TrimPrefix(strings.TrimPrefix(s, "-"), "−"), " ")
	}
	for _, sym := range []string{"$", "€", "£", "¥"} {
		if strings.HasPrefix(s, sym) {
			unit, s = sym, strings.TrimSpace(s[len(sym):])
			break
		}
	}
	if strings.HasPrefix(s, "-") && !negative { // "$-5"
		negative, s = true, s[1:]
	}
	// Split the numeric part from what follows it.
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.' || s[end] == ',') {
		end++
	}
	digits, rest := s[:end], strings.TrimSpace(s[end:])
	if digits == "" || strings.Count(digits, ".") > 1 || !validGrouping(digits) {
		return 0, "", bad
	}
	value, err := strconv.ParseFloat(strings.ReplaceAll(digits, ",", ""), 64)
	if err != nil {
		return 0, "", bad
	}
	// A magnitude suffix sits directly after the digits and ends there:
	// "3k", "1.2M leads", "2bn", but not "5 months" or "5min".
	if rest == s[end:] {
		for _, m := range magnitudes {
			if after, ok := strings.CutPrefix(rest, m.suffix); ok && !startsWithLetter(after) {
				value, rest = value*m.factor, strings.TrimSpace(after)
				break
			}
		}
	}
	switch {
	case rest == "":
	case rest == "%":
		if unit != "" {
			return 0, "", bad
		}
		unit = "%"
	case isUnitWord(rest):
		if unit != "" {
			return 0, "", bad
		}
		unit = rest
	default:
		return 0, "", bad
	}
	if negative {
		value = -value
	}
	if math.IsInf(value, 0) || math.IsNaN(value) || math.Abs(value) > MaxMetricValue {
		return 0, "", FieldErrorf(field, "%s is too large.", label)
	}
	return value, unit, nil
}

// validGrouping accepts "1200", "1,200", "12,345,678.5" but not "1,20" or ",5".
func validGrouping(digits string) bool {
	intPart, _, _ := strings.Cut(digits, ".")
	if !strings.Contains(intPart, ",") {
		return !strings.Contains(digits, ",")
	}
	groups := strings.Split(intPart, ",")
	if len(groups[0]) < 1 || len(groups[0]) > 3 {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return false
		}
	}
	return true
}

var magnitudes = []struct {
	suffix string
	factor float64
}{{"k", 1e3}, {"K", 1e3}, {"m", 1e6}, {"M", 1e6}, {"bn", 1e9}, {"b", 1e9}, {"B", 1e9}}

func startsWithLetter(s string) bool {
	for _, r := range s {
		return unicode.IsLetter(r)
	}
	return false
}

// isUnitWord accepts a short free-text unit such as "leads" or "NPS points".
func isUnitWord(s string) bool {
	if len([]rune(s)) > MaxUnitLength {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && r != ' ' && r != '/' && r != '-' {
			return false
		}
	}
	return unicode.IsLetter([]rune(s)[0])
}
