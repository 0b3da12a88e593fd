package tools

import (
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/causerie/causerie/internal/suggest"
	"github.com/causerie/causerie/store"
)

// NormalizeValue checks a contact field value against the field's type and
// returns it in stored form: numbers as float64, emails lower-cased, phone
// numbers in E.164, dates as YYYY-MM-DD, select values as the option's
// exact spelling. country reads phone numbers written without +.
func NormalizeValue(f *store.ContactField, v any, country string) (any, error) {
	s := strings.TrimSpace(Format(v))
	if s == "" {
		return nil, fmt.Errorf("the value is empty; to clear the field, send null")
	}
	switch f.Type {
	case store.FieldText:
		return s, nil
	case store.FieldNumber:
		if x, ok := v.(float64); ok {
			return x, nil
		}
		return parseNumber(s, country)
	case store.FieldEmail:
		return NormalizeEmail(s)
	case store.FieldPhone:
		return NormalizePhone(s, country)
	case store.FieldDate:
		return parseDate(s)
	case store.FieldSelect:
		for _, o := range f.Options {
			if o == s || suggest.Fold(o) == suggest.Fold(s) {
				return o, nil
			}
		}
		return nil, fmt.Errorf("%q is not an option of %s; options: %s", s, f.Name, suggest.List(suggest.Nearest(s, f.Options), 20))
	default:
		return s, nil
	}
}

var (
	numberNoise     = regexp.MustCompile(`[\s\x{00A0}\x{202F}'€$£%]`)
	thousandsCommas = regexp.MustCompile(`^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$`)
)

// decimalComma lists countries that write 1500,50 for 1500.50.
var decimalComma = map[string]bool{"FR": true, "BE": true, "LU": true, "CH": true, "DE": true, "AT": true, "ES": true,
	"IT": true, "PT": true, "NL": true, "PL": true, "SE": true, "NO": true, "DK": true, "FI": true, "CZ": true,
	"BR": true, "AR": true, "CL": true, "CO": true, "MA": true, "TN": true, "DZ": true, "SN": true, "CI": true}

// parseNumber reads "1500", "1 500", "150 €" and, by the workspace's
// country, "1500,50" (France: decimal comma) or "1,500.50" (elsewhere:
// thousands commas; without a country, a comma followed by exactly three
// digits groups thousands).
func parseNumber(s, country string) (float64, error) {
	t := numberNoise.ReplaceAllString(s, "")
	switch {
	case decimalComma[strings.ToUpper(country)]:
		if strings.Count(t, ",") == 1 {
			t = strings.ReplaceAll(t, ".", "") // 1.500,50
			t = strings.Replace(t, ",", ".", 1)
		}
	case thousandsCommas.MatchString(t):
		t = strings.ReplaceAll(t, ",", "")
	case strings.Count(t, ",") == 1 && !strings.Contains(t, "."):
		t = strings.Replace(t, ",", ".", 1) // 150,5
	}
	x, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number (write it like 1500 or 1500.50)", s)
	}
	return x, nil
}

// NormalizeEmail checks an address and lower-cases it.
func NormalizeEmail(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil || !strings.Contains(a.Address, "@") {
		return "", fmt.Errorf("%q is not a valid email address", s)
	}
	return strings.ToLower(a.Address), nil
}

// NormalizePhone returns a phone number in E.164 ("+33612345678").
// Without a default country, the number must start with + and its
// country code.
func NormalizePhone(s, country string) (string, error) {
	region := strings.ToUpper(country)
	if region == "" {
		region = "ZZ" // unknown region: only +… numbers parse
	}
	n, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		hint := "write it in international format, e.g. +33 6 12 34 56 78"
		return "", fmt.Errorf("%q is not a valid phone number; %s", s, hint)
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

var dateLayouts = []string{"2006-01-02", "02/01/2006", "2/1/2006", "02-01-2006", "02.01.2006", time.RFC3339}

// parseDate reads ISO dates and day-first dates (French usage) and
// returns YYYY-MM-DD.
func parseDate(s string) (string, error) {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.Format("2006-01-02"), nil
		}
	}
	return "", fmt.Errorf("%q is not a date; write it as YYYY-MM-DD, e.g. 2026-12-05", s)
}
