package dsl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
	"github.com/expr-lang/expr/vm/runtime"
)

// Limits of a flow expression. expr's own memory budget counts the
// values of ranges, arrays and maps, not the bytes of strings: alone, it
// let `reduce(1..900, {#acc + #acc}, "ab")` ask for 2^900 bytes and kill
// the process. Strings are bounded here, by the operations that grow them.
const (
	// maxExprMemory is the VM's memory budget (values of ranges, arrays,
	// maps): it also bounds how many times closures can loop.
	maxExprMemory = 100_000
	// maxExprString bounds every string an expression builds.
	maxExprString = 64 << 10
	// maxExprNodes bounds the size of an expression's syntax tree.
	maxExprNodes = 1000
)

// ErrExprLimit is wrapped by the errors of an expression that went past
// a limit.
var ErrExprLimit = errors.New("the expression went past its limits")

// exprOptions are the options every flow expression compiles with: the
// string-growing operations replaced by bounded ones.
func exprOptions() []expr.Option {
	return []expr.Option{
		expr.AllowUndefinedVariables(),
		expr.MaxNodes(maxExprNodes),
		expr.Patch(boundedPlus{}),
		expr.Function(plusFunc, boundedAdd),
		expr.Function("repeat", boundedRepeat),
		expr.Function("replace", boundedReplace),
		expr.Function("join", boundedJoin),
	}
}

// runExpr runs a compiled expression within its memory budget.
func runExpr(p *vm.Program, env map[string]any) (out any, err error) {
	v := vm.VM{MemoryBudget: maxExprMemory}
	out, err = v.Run(p, env)
	if err != nil && strings.Contains(err.Error(), "memory budget exceeded") {
		err = fmt.Errorf("%w: it used more than %d values (ranges, lists, loops)", ErrExprLimit, maxExprMemory)
	}
	return out, err
}

// plusFunc is what `a + b` becomes.
const plusFunc = "__plus"

// boundedPlus rewrites every `a + b` into a call of the bounded addition.
type boundedPlus struct{}

func (boundedPlus) Visit(n *ast.Node) {
	if b, ok := (*n).(*ast.BinaryNode); ok && b.Operator == "+" {
		ast.Patch(n, &ast.CallNode{Callee: &ast.IdentifierNode{Value: plusFunc}, Arguments: []ast.Node{b.Left, b.Right}})
	}
}

func tooLong(what string, n int) error {
	return fmt.Errorf("%w: %s would make a text of %d bytes; at most %d", ErrExprLimit, what, n, maxExprString)
}

// boundedAdd is expr's `+` (numbers, texts, lists, dates), refusing a
// text past maxExprString.
func boundedAdd(args ...any) (out any, err error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("+ takes two values")
	}
	a, aText := args[0].(string)
	b, bText := args[1].(string)
	if aText && bText && len(a)+len(b) > maxExprString {
		return nil, tooLong("+", len(a)+len(b))
	}
	defer func() {
		if r := recover(); r != nil { // runtime.Add panics on operands it cannot add
			out, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return runtime.Add(args[0], args[1]), nil
}

func boundedRepeat(args ...any) (any, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("repeat(text, count) takes two values")
	}
	s, ok := args[0].(string)
	n, nok := toInt(args[1])
	if !ok || !nok || n < 0 {
		return nil, fmt.Errorf("repeat(text, count) needs a text and a count of 0 or more")
	}
	if n > 0 && len(s) > maxExprString/n {
		return nil, tooLong("repeat", len(s)*min(n, maxExprString+1))
	}
	return strings.Repeat(s, n), nil
}

func boundedReplace(args ...any) (any, error) {
	if len(args) != 3 {
		return nil, fmt.Errorf("replace(text, old, new) takes three values")
	}
	s, ok1 := args[0].(string)
	old, ok2 := args[1].(string)
	repl, ok3 := args[2].(string)
	if !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("replace(text, old, new) takes three texts")
	}
	count := strings.Count(s, old)
	if n := len(s) + count*(len(repl)-len(old)); n > maxExprString {
		return nil, tooLong("replace", n)
	}
	return strings.ReplaceAll(s, old, repl), nil
}

func boundedJoin(args ...any) (any, error) {
	if len(args) < 1 || len(args) > 2 {
		return nil, fmt.Errorf("join(list[, separator]) takes one or two values")
	}
	list, ok := args[0].([]any)
	if !ok {
		return nil, fmt.Errorf("join needs a list, got %T", args[0])
	}
	sep := ""
	if len(args) == 2 {
		if sep, ok = args[1].(string); !ok {
			return nil, fmt.Errorf("join's separator must be a text")
		}
	}
	parts := make([]string, len(list))
	n := 0
	for i, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("join needs a list of texts; item %d is %T", i, x)
		}
		parts[i] = s
		if n += len(s) + len(sep); n > maxExprString {
			return nil, tooLong("join", n)
		}
	}
	return strings.Join(parts, sep), nil
}

func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case float64:
		return int(x), x == float64(int(x))
	}
	return 0, false
}

// constantRange is the size of a range written with two constants
// (1..900000), refused at validation past maxExprMemory.
func constantRange(b *ast.BinaryNode) (int, bool) {
	if b.Operator != ".." {
		return 0, false
	}
	from, ok1 := b.Left.(*ast.IntegerNode)
	to, ok2 := b.Right.(*ast.IntegerNode)
	if !ok1 || !ok2 {
		return 0, false
	}
	return to.Value - from.Value + 1, true
}
