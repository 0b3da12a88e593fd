package dsl

import (
	"testing"
)

// FuzzExpression compiles and runs flow expressions: no input may panic,
// run past its limits without an error, or build a string past them.
func FuzzExpression(f *testing.F) {
	for _, s := range []string{
		`contact.budget > 100`, `service == "Coupe" && len(contact.tags) > 0`, `http.body.status == "ok"`,
		`len(reduce(1..900, {#acc + #acc}, "ab")) > 0`, `repeat("ab", 1000) != ""`, `join(map(1..100, {"x"}), ",")`,
		`replace("aaaa", "a", "aa")`, `1..99999 | filter(# % 2 == 0) | len() > 3`, `upper(trim(contact.name)) + "!"`,
		`sortBy(1..1000, -#)[0]`, `toJSON({"a": [1, 2, {"b": nil}]})`, `budget >= 1000 && timeline == "This month"`,
	} {
		f.Add(s)
	}
	known := []string{"contact", "service", "http", "budget", "timeline"}
	env := map[string]any{"contact": map[string]any{"budget": 150.0, "name": " Camille ", "tags": []any{"vip"}},
		"service": "Coupe", "http": map[string]any{"body": map[string]any{"status": "ok"}}, "budget": 1200.0, "timeline": "This month"}
	f.Fuzz(func(t *testing.T, src string) {
		for _, asBool := range []bool{true, false} {
			p, err := compileExpr(src, known, asBool)
			if err != nil {
				continue
			}
			out, err := evalValue(p, env)
			if err != nil {
				continue
			}
			if s, ok := out.(string); ok && len(s) > maxExprString {
				t.Fatalf("%q built a string of %d bytes", src, len(s))
			}
		}
	})
}
