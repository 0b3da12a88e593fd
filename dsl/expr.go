package dsl

import (
	"fmt"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// compileExpr compiles a condition (expr-lang/expr): a boolean expression
// over the flow's variables and the context (contact.budget > 100,
// service == "Coupe"). Names must be known: declared variables, variables
// set by a node, or the context roots; the error lists the unknown ones.
func compileExpr(src string, known []string, asBool bool) (*vm.Program, error) {
	src = strings.TrimSpace(src)
	if src == "" {
		return nil, fmt.Errorf("the expression is empty")
	}
	tree, err := parser.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("%s", oneLine(err))
	}
	c := &identCollector{}
	ast.Walk(&tree.Node, c)
	if c.bigRange > 0 {
		return nil, fmt.Errorf("a range of %d values is too large; at most %d", c.bigRange, maxExprMemory)
	}
	if len(c.funcs) > 0 {
		return nil, fmt.Errorf("unknown function %s(); use the built-in ones (len, lower, upper, trim, contains…)", c.funcs[0])
	}
	var unknown []string
	for _, id := range c.idents {
		name := id.Value
		if !slices.Contains(known, name) && !slices.Contains(c.declared, name) && !slices.Contains(unknown, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		return nil, unknownNames(unknown, known)
	}
	opts := exprOptions()
	if asBool {
		opts = append(opts, expr.AsBool())
	}
	p, err := expr.Compile(src, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s", oneLine(err))
	}
	return p, nil
}

// oneLine keeps the first line of an expr error (the rest draws the
// expression with a caret).
func oneLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// identCollector gathers the names an expression reads. ast.Walk visits
// children first: a call's callee is seen before the call.
type identCollector struct {
	idents   []*ast.IdentifierNode
	declared []string
	funcs    []string
	bigRange int // the size of a constant range past the limits
}

func (c *identCollector) Visit(n *ast.Node) {
	switch v := (*n).(type) {
	case *ast.CallNode:
		if id, ok := v.Callee.(*ast.IdentifierNode); ok {
			c.idents = slices.DeleteFunc(c.idents, func(x *ast.IdentifierNode) bool { return x == id })
			c.funcs = append(c.funcs, id.Value)
		}
	case *ast.VariableDeclaratorNode:
		c.declared = append(c.declared, v.Name)
	case *ast.IdentifierNode:
		c.idents = append(c.idents, v)
	case *ast.BinaryNode:
		if n, ok := constantRange(v); ok && n > maxExprMemory {
			c.bigRange = n
		}
	}
}

// evalBool runs a compiled condition.
func evalBool(p *vm.Program, env map[string]any) (bool, error) {
	out, err := runExpr(p, env)
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("the expression gave %v, not true or false", out)
	}
	return b, nil
}

// evalValue runs a compiled expression for its value.
func evalValue(p *vm.Program, env map[string]any) (any, error) {
	return runExpr(p, env)
}
