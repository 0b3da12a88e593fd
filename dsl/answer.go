package dsl

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/causerie/causerie/internal/suggest"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// checkAnswer validates a question's answer: it returns the value to keep
// (a number as float64, an email lower-cased, a phone number in E.164, a
// date as YYYY-MM-DD, text trimmed) or what is wrong with it.
func checkAnswer(validation string, pattern *regexp.Regexp, input, country string) (any, error) {
	s := strings.TrimSpace(input)
	if s == "" {
		return nil, fmt.Errorf("the answer is empty")
	}
	var ft store.FieldType
	switch validation {
	case "", "text":
		return s, nil
	case "regex":
		if !pattern.MatchString(s) {
			return nil, fmt.Errorf("%q does not have the expected form", s)
		}
		return s, nil
	case "email":
		ft = store.FieldEmail
	case "phone":
		ft = store.FieldPhone
	case "number":
		ft = store.FieldNumber
	case "date":
		ft = store.FieldDate
	}
	return tools.NormalizeValue(&store.ContactField{Name: "the answer", Type: ft}, s, country)
}

var leadingNumber = regexp.MustCompile(`^\s*(?:option\s*|n[°o]\s*|#\s*)?(\d+)\s*[.)]?\s*$`)

// matchChoice finds the option a visitor's answer picks: its number
// ("2", "2.", "option 2"), its label (ignoring case and accents), a
// message that names exactly one label ("une coloration s'il vous
// plaît"), words of exactly one label ("yes" for "Yes, it's fixed"), or a
// close spelling ("colloration"). ok is false when none or
// several fit.
func matchChoice(options []string, input string) (string, bool) {
	if m := leadingNumber.FindStringSubmatch(strings.ToLower(input)); m != nil {
		i, _ := strconv.Atoi(m[1])
		if i >= 1 && i <= len(options) {
			return options[i-1], true
		}
		return "", false
	}
	t := normText(input)
	if t == "" {
		return "", false
	}
	for _, o := range options {
		if normText(o) == t {
			return o, true
		}
	}
	var named []string
	for _, o := range options {
		if strings.Contains(" "+t+" ", " "+normText(o)+" ") {
			named = append(named, o)
		}
	}
	if len(named) == 1 {
		return named[0], true
	}
	if len(named) > 1 {
		return "", false
	}
	// Words of exactly one label: "yes" for "Yes, it's fixed".
	var within []string
	for _, o := range options {
		if strings.Contains(" "+normText(o)+" ", " "+t+" ") {
			within = append(within, o)
		}
	}
	if len(within) == 1 {
		return within[0], true
	}
	if c := suggest.Close(t, options); c != "" {
		return c, true
	}
	// A close spelling of one word of the answer ("une colloration").
	var close []string
	for _, w := range strings.Fields(t) {
		if len([]rune(w)) < 4 {
			continue
		}
		if c := suggest.Close(w, options); c != "" && !slices.Contains(close, c) {
			close = append(close, c)
		}
	}
	if len(close) == 1 {
		return close[0], true
	}
	return "", false
}

// listOptions writes options for a prompt: "1. Coupe\n2. Coloration".
func listOptions(options []string) string {
	var b strings.Builder
	for i, o := range options {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%d. %s", i+1, o)
	}
	return b.String()
}
