package evals

import (
	"strings"

	"github.com/abadojack/whatlanggo"
)

// languageCode returns the ISO 639-1 code of a language given by code or
// English name ("fr", "fra", "French"), "" when unknown.
func languageCode(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for l, name := range whatlanggo.Langs {
		code := whatlanggo.LangToStringShort(l)
		if s == code || s == whatlanggo.LangToString(l) || s == strings.ToLower(name) {
			return code
		}
	}
	return ""
}

// detectLanguage guesses the ISO 639-1 code of text among common
// European languages.
func detectLanguage(text string) string {
	info := whatlanggo.DetectWithOptions(text, whatlanggo.Options{
		Whitelist: map[whatlanggo.Lang]bool{whatlanggo.Fra: true, whatlanggo.Eng: true, whatlanggo.Spa: true,
			whatlanggo.Deu: true, whatlanggo.Ita: true, whatlanggo.Por: true, whatlanggo.Nld: true},
	})
	return whatlanggo.LangToStringShort(info.Lang)
}
