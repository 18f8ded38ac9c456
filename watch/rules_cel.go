package watch

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/ext"
)

// ruleEnv is the CEL environment of rule expressions: object (dyn),
// condition and variables (maps), related (lists of objects by name), the
// cel-go string, list, binding and two-variable comprehension extensions,
// optional values (object.?status.?x.orValue("none")), and logURL(namespace,
// name, uid), which applies --watch-log-url as the built-in watchers do.
type ruleEnv struct {
	env *cel.Env
}

func newRuleEnv(logURLTemplate string) (*ruleEnv, error) {
	m := Mapper{LogURLTemplate: logURLTemplate}
	env, err := cel.NewEnv(
		cel.Variable("object", cel.DynType),
		cel.Variable("condition", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("variables", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("related", cel.MapType(cel.StringType, cel.ListType(cel.DynType))),
		ext.Strings(), ext.Lists(), ext.Bindings(), ext.TwoVarComprehensions(), cel.OptionalTypes(),
		cel.Function("logURL", cel.Overload("logURL_string_string_string",
			[]*cel.Type{cel.StringType, cel.StringType, cel.StringType}, cel.StringType,
			cel.FunctionBinding(func(args ...ref.Val) ref.Val {
				ss := make([]string, len(args))
				for i, a := range args {
					s, ok := a.Value().(string)
					if !ok {
						return types.NewErr("logURL takes strings, not %s", a.Type())
					}
					ss[i] = s
				}
				return types.String(m.templateLogURL(ss[0], ss[1], ss[2]))
			}))),
	)
	if err != nil {
		return nil, fmt.Errorf("rule expressions: %w", err)
	}
	return &ruleEnv{env: env}, nil
}

// outKind is what a field's expression must produce.
type outKind int

const (
	outAny outKind = iota
	outBool
	outString
	outInt
	outMap
	outList
	outTime
)

var outNames = map[outKind]string{outBool: "a bool", outString: "a string", outInt: "an int", outMap: "a map", outList: "a list", outTime: "a timestamp or an RFC 3339 string"}

// accepts reports whether an expression of type t may produce out: dyn
// may (the object is dyn, so most expressions are), and is checked when
// it is evaluated.
func accepts(t *cel.Type, out outKind) bool {
	k := t.Kind()
	if out == outAny || k == types.DynKind {
		return true
	}
	switch out {
	case outBool:
		return k == types.BoolKind
	case outString:
		return k == types.StringKind
	case outInt:
		return k == types.IntKind || k == types.UintKind
	case outMap:
		return k == types.MapKind
	case outList:
		return k == types.ListKind
	case outTime:
		return k == types.TimestampKind || k == types.StringKind
	}
	return false
}

// program is one compiled expression.
type program struct {
	field   string
	prog    cel.Program
	out     outKind
	related bool // reads related objects, itself or through variables
}

// compiler compiles one rule's expressions, knowing the variables and
// related objects declared so far (variables by whether they read
// related objects).
type compiler struct {
	env     *ruleEnv
	fail    func(field string, err error) error
	vars    map[string]bool
	related map[string]bool
}

var (
	varRef     = regexp.MustCompile(`\bvariables\.([A-Za-z_][A-Za-z0-9_]*)`)
	relatedRef = regexp.MustCompile(`\brelated\.([A-Za-z_][A-Za-z0-9_]*)`)
)

// costLimit bounds one evaluation, so that a rule cannot stall the watcher.
const costLimit = 10_000_000

func (c *compiler) compile(field, src string, out outKind, allowRelated bool) (*program, error) {
	ast, iss := c.env.env.Compile(src)
	if iss.Err() != nil {
		return nil, c.fail(field, iss.Err())
	}
	if !accepts(ast.OutputType(), out) {
		return nil, c.fail(field, fmt.Errorf("%q is %s, not %s", src, ast.OutputType(), outNames[out]))
	}
	p := &program{field: field, out: out}
	for _, m := range varRef.FindAllStringSubmatch(src, -1) {
		reads, ok := c.vars[m[1]]
		if !ok {
			return nil, c.fail(field, fmt.Errorf("variables.%s is not a variable declared before it", m[1]))
		}
		p.related = p.related || reads
	}
	for _, m := range relatedRef.FindAllStringSubmatch(src, -1) {
		if !c.related[m[1]] {
			return nil, c.fail(field, fmt.Errorf("related.%s is not declared in related", m[1]))
		}
		p.related = true
	}
	if p.related && !allowRelated {
		return nil, c.fail(field, errors.New("may not read related objects (itself or through variables): they are read for failures only"))
	}
	prog, err := c.env.env.Program(ast, cel.CostLimit(costLimit))
	if err != nil {
		return nil, c.fail(field, err)
	}
	p.prog = prog
	return p, nil
}

// eval runs p; a nil p yields nil.
func (p *program) eval(act map[string]any) (ref.Val, error) {
	if p == nil {
		return nil, nil
	}
	v, _, err := p.prog.Eval(act)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.field, err)
	}
	return v, nil
}

func (p *program) bool(act map[string]any) (bool, error) {
	v, err := p.eval(act)
	if err != nil || v == nil {
		return false, err
	}
	b, ok := v.Value().(bool)
	if !ok {
		return false, fmt.Errorf("%s: %s is not a bool", p.field, v.Type())
	}
	return b, nil
}

// string is the expression's string; null (an absent optional value)
// is "".
func (p *program) string(act map[string]any) (string, error) {
	v, err := p.eval(act)
	if err != nil || v == nil || v.Type() == types.NullType {
		return "", err
	}
	s, ok := v.Value().(string)
	if !ok {
		return "", fmt.Errorf("%s: %s is not a string", p.field, v.Type())
	}
	return s, nil
}

func (p *program) int(act map[string]any) (*int, error) {
	v, err := p.eval(act)
	if err != nil || v == nil || v.Type() == types.NullType {
		return nil, err
	}
	var n int
	switch x := v.Value().(type) {
	case int64:
		n = int(x)
	case uint64:
		n = int(x)
	case float64:
		n = int(x)
	default:
		return nil, fmt.Errorf("%s: %s is not an int", p.field, v.Type())
	}
	return &n, nil
}

func (p *program) time(act map[string]any) (time.Time, error) {
	v, err := p.eval(act)
	if err != nil || v == nil {
		return time.Time{}, err
	}
	switch x := v.Value().(type) {
	case time.Time:
		return x.UTC(), nil
	case string:
		t, err := time.Parse(time.RFC3339, x)
		if err != nil {
			return time.Time{}, fmt.Errorf("%s: %w", p.field, err)
		}
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%s: %s is not a time", p.field, v.Type())
}

// native converts the expression's value to into's type.
func (p *program) native(act map[string]any, into any) error {
	v, err := p.eval(act)
	if err != nil || v == nil {
		return err
	}
	t := reflect.TypeOf(into).Elem()
	n, err := v.ConvertToNative(t)
	if err != nil {
		return fmt.Errorf("%s: %w", p.field, err)
	}
	reflect.ValueOf(into).Elem().Set(reflect.ValueOf(n))
	return nil
}
