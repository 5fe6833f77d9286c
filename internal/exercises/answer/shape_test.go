package answer

import (
	"slices"
	"strings"
	"testing"
)

func TestParseShape(t *testing.T) {
	valid := []struct {
		in     string
		dims   []int
		form   ShapeForm
		readAs string
	}{
		{"12@48x48", []int{12, 48, 48}, ShapeAt, "read as 12 channels of 48×48"},
		{"12@48×48", []int{12, 48, 48}, ShapeAt, "read as 12 channels of 48×48"},
		{"12 @ 48 X 48", []int{12, 48, 48}, ShapeAt, "read as 12 channels of 48×48"},
		{"1@28×28", []int{1, 28, 28}, ShapeAt, "read as 1 channel of 28×28"},
		{"(12, 48, 48)", []int{12, 48, 48}, ShapeTuple, "read as 12 channels of 48×48"},
		{"[12, 48, 48]", []int{12, 48, 48}, ShapeTuple, "read as 12 channels of 48×48"},
		{"(12,48,48)", []int{12, 48, 48}, ShapeTuple, "read as 12 channels of 48×48"},
		{"12, 48, 48", []int{12, 48, 48}, ShapeTuple, "read as 12 channels of 48×48"},
		{"12, 48, 48,", []int{12, 48, 48}, ShapeTuple, "read as 12 channels of 48×48"},
		{"( 12 , 48 , 48 )", []int{12, 48, 48}, ShapeTuple, "read as 12 channels of 48×48"},
		{"12 x 48 x 48", []int{12, 48, 48}, ShapeTimes, "read as 12 channels of 48×48"},
		{"12×48×48", []int{12, 48, 48}, ShapeTimes, "read as 12 channels of 48×48"},
		{"12*48*48", []int{12, 48, 48}, ShapeTimes, "read as 12 channels of 48×48"},
		{"12X48X48", []int{12, 48, 48}, ShapeTimes, "read as 12 channels of 48×48"},
		{"(12 × 48 × 48)", []int{12, 48, 48}, ShapeTimes, "read as 12 channels of 48×48"},
		{"48×48", []int{48, 48}, ShapeTimes, "read as 48×48"},
		{"2×3×4×5", []int{2, 3, 4, 5}, ShapeTimes, "read as a 2×3×4×5 tensor"},
		{"(2, 3, 4, 5)", []int{2, 3, 4, 5}, ShapeTuple, "read as a 2×3×4×5 tensor"},
		{"3072", []int{3072}, ShapeFlat, "read as a flat vector of 3072"},
		{"(3072,)", []int{3072}, ShapeFlat, "read as a flat vector of 3072"},
		{"(3072)", []int{3072}, ShapeFlat, "read as a flat vector of 3072"},
		{"[3072]", []int{3072}, ShapeFlat, "read as a flat vector of 3072"},
		{"3,072", []int{3072}, ShapeFlat, "read as a flat vector of 3072"},
		{"3 072", []int{3072}, ShapeFlat, "read as a flat vector of 3072"},
		{" 3072 ", []int{3072}, ShapeFlat, "read as a flat vector of 3072"},
		{"1×2×3×4×5×6×7×8", []int{1, 2, 3, 4, 5, 6, 7, 8}, ShapeTimes, "read as a 1×2×3×4×5×6×7×8 tensor"},
		{"2147483647", []int{2147483647}, ShapeFlat, "read as a flat vector of 2147483647"},
	}
	for _, c := range valid {
		got, err := ParseShape(c.in)
		if err != nil {
			t.Errorf("ParseShape(%q): unexpected error %v", c.in, err)
			continue
		}
		if !got.Equal(c.dims) || got.Form != c.form {
			t.Errorf("ParseShape(%q) = %v %v, want %v %v", c.in, got.Dims, got.Form, c.dims, c.form)
		}
		if got.ReadAs() != c.readAs {
			t.Errorf("ParseShape(%q).ReadAs() = %q, want %q", c.in, got.ReadAs(), c.readAs)
		}
	}
	invalid := []struct {
		in, msg string
	}{
		{"", "empty"},
		{"()", "brackets are empty"},
		{"(12, 48, 48", "never closed"},
		{"(12, 48, 48]", "never closed"},
		{"12 48 48", "separate dimensions"},
		{"12, 48 × 48", "not both"},
		{"12@48, 48", "after '@'"},
		{"12@@48", "at most one '@'"},
		{"12@", "missing"},
		{"@48x48", "unexpected character '@'"},
		{"12 x x 48", "missing"},
		{"12 x 48 x", "missing"},
		{"12,,48", "missing"},
		{"0x48", "at least 1"},
		{"12x0", "at least 1"},
		{"(3,072)", "starts with 0"},
		{"1,000,000", "starts with 0"},
		{"-12x48", "unexpected character '-'"},
		{"12.5x48", "whole numbers"},
		{"a x b", "unexpected character 'a'"},
		{"2147483648", "too large"},
		{"99999999999x1", "too large"},
		{"1×2×3×4×5×6×7×8×9", "at most 8"},
		{"(1,2,3,4,5,6,7,8,9)", "at most 8"},
		{"1@2×3×4×5×6×7×8×9", "at most 8"},
		{"[[12, 48]]", "unexpected character '['"},
	}
	for _, c := range invalid {
		_, err := ParseShape(c.in)
		if err == nil {
			t.Errorf("ParseShape(%q): expected an error", c.in)
			continue
		}
		pe := wantParseError(t, c.in, err, c.msg)
		if pe.Expected != expectShape {
			t.Errorf("ParseShape(%q): Expected = %q", c.in, pe.Expected)
		}
	}
	if (Shape{Dims: []int{1, 2}}).Equal([]int{1}) || !(Shape{}).Equal(nil) {
		t.Error("Equal misbehaves")
	}
	for f, want := range map[ShapeForm]string{ShapeFlat: "flat", ShapeTuple: "tuple", ShapeTimes: "times", ShapeAt: "at", 9: "ShapeForm(9)"} {
		if f.String() != want {
			t.Errorf("%d.String() = %q", int(f), f.String())
		}
	}
}

var transformerVars = []Variable{
	{Name: "d_model"},
	{Name: "d_k"},
	{Name: "h"},
}

func TestParseSymbolicShape(t *testing.T) {
	vars := append(slices.Clone(transformerVars), Variable{Name: "n"})
	valid := []struct {
		in     string
		dims   []string // String() of each dimension
		readAs string
	}{
		{"d_model x d_k", []string{"d_model", "d_k"}, "read as d_model × d_k"},
		{"d_model X d_k", []string{"d_model", "d_k"}, "read as d_model × d_k"},
		{"d_model × d_k", []string{"d_model", "d_k"}, "read as d_model × d_k"},
		{"d_model×d_k", []string{"d_model", "d_k"}, "read as d_model × d_k"},
		{"(d_model, d_k)", []string{"d_model", "d_k"}, "read as d_model × d_k"},
		{"[d_model, d_k]", []string{"d_model", "d_k"}, "read as d_model × d_k"},
		{"d_model, d_k", []string{"d_model", "d_k"}, "read as d_model × d_k"},
		{"d_model by d_k", []string{"d_model", "d_k"}, "read as d_model × d_k"},
		{"dmodel BY dk", []string{"d_model", "d_k"}, "read as d_model × d_k"},
		{"(d_model,)", []string{"d_model"}, "read as a flat vector of d_model"},
		{"d_model", []string{"d_model"}, "read as a flat vector of d_model"},
		{"h x n x d_k", []string{"h", "n", "d_k"}, "read as h × n × d_k"},
		{"(d_model + 1) x d_k", []string{"d_model + 1", "d_k"}, "read as (d_model + 1) × d_k"},
		{"(d_model + 1)x(d_k)", []string{"d_model + 1", "d_k"}, "read as (d_model + 1) × d_k"},
		{"d_k*h x d_model", []string{"d_k·h", "d_model"}, "read as (d_k·h) × d_model"},
		{"(3 × d_k) × d_model", []string{"3·d_k", "d_model"}, "read as (3·d_k) × d_model"},
		{"2xd_model", []string{"2", "d_model"}, "read as 2 × d_model"},
		{"3x4", []string{"3", "4"}, "read as 3 × 4"},
		{"n, d_model/h", []string{"n", "d_model/h"}, "read as n × (d_model/h)"},
		{"(n, (d_model + 1))", []string{"n", "d_model + 1"}, "read as n × (d_model + 1)"},
		{"⌊n/2⌋ x d_k", []string{"⌊n/2⌋", "d_k"}, "read as ⌊n/2⌋ × d_k"},
	}
	for _, c := range valid {
		got, err := ParseSymbolicShape(c.in, vars)
		if err != nil {
			t.Errorf("ParseSymbolicShape(%q): unexpected error %v", c.in, err)
			continue
		}
		var dims []string
		for _, d := range got.Dims {
			dims = append(dims, d.String())
		}
		if !slices.Equal(dims, c.dims) {
			t.Errorf("ParseSymbolicShape(%q) = %q, want %q", c.in, dims, c.dims)
		}
		if got.ReadAs() != c.readAs {
			t.Errorf("ParseSymbolicShape(%q).ReadAs() = %q, want %q", c.in, got.ReadAs(), c.readAs)
		}
	}
	invalid := []struct {
		in, msg string
	}{
		{"", "empty"},
		{"()", "brackets are empty"},
		{"d_model x", "missing"},
		{"x d_model", "missing"},
		{"x", "unknown name"},
		{"d_model x x d_k", "missing"},
		{"d_model, d_k x h", "not both"},
		{"d_model,, d_k", "missing"},
		{"dmod x d_k", "unknown name `dmod` at position 1; known: `d_model`, `d_k`, `h`, `n`"},
		{"d_model x (d_k", "expected ')'"},
		{"1x2x3x4x5x6x7x8x9", "at most 8"},
		{"d_model x d_k)", "no matching opening bracket"},
	}
	for _, c := range invalid {
		_, err := ParseSymbolicShape(c.in, vars)
		if err == nil {
			t.Errorf("ParseSymbolicShape(%q): expected an error", c.in)
			continue
		}
		wantParseError(t, c.in, err, c.msg)
	}
	// Positions refer to the original input, even inside a later dimension.
	_, err := ParseSymbolicShape("d_model × dmod", vars)
	if pe := wantParseError(t, "d_model × dmod", err, "unknown name `dmod`"); pe.Pos != len("d_model × ") {
		t.Errorf("Pos = %d, want %d", pe.Pos, len("d_model × "))
	}
}

func TestSymbolicShapeWithVariableX(t *testing.T) {
	vars := []Variable{{Name: "x"}, {Name: "n"}}
	got, err := ParseSymbolicShape("2x x n", vars)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Dims) != 2 || got.Dims[0].String() != "2·x" || got.Dims[1].String() != "n" {
		t.Errorf("got %s", got.ReadAs())
	}
	// With a variable x, an unspaced x is that variable: one dimension x·x·n.
	got, err = ParseSymbolicShape("(x)x(n)", vars)
	if err != nil || len(got.Dims) != 1 || got.Dims[0].String() != "x·x·n" {
		t.Errorf(`"(x)x(n)" = %v, %v; want the single dimension x·x·n`, got.ReadAs(), err)
	}
}

func TestSymbolicShapeEquivalent(t *testing.T) {
	a, err := ParseSymbolicShape("(n, d_k*h)", transformerVarsN())
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseSymbolicShape("n × h·d_k", transformerVarsN())
	if err != nil {
		t.Fatal(err)
	}
	// "n × h·d_k" splits at × into n and h·d_k.
	if !a.Equivalent(b, transformerVarsN(), Domain{}) {
		t.Errorf("%s should match %s", a.ReadAs(), b.ReadAs())
	}
	c, _ := ParseSymbolicShape("n × d_k", transformerVarsN())
	if a.Equivalent(c, transformerVarsN(), Domain{}) {
		t.Error("different shapes reported equivalent")
	}
	d, _ := ParseSymbolicShape("n", transformerVarsN())
	if a.Equivalent(d, transformerVarsN(), Domain{}) {
		t.Error("different ranks reported equivalent")
	}
	if (SymbolicShape{}).ReadAs() != "read as an empty shape" {
		t.Error("empty ReadAs")
	}
	if !strings.HasPrefix(a.ReadAs(), "read as n × ") {
		t.Errorf("ReadAs = %q", a.ReadAs())
	}
}

func transformerVarsN() []Variable {
	return append(slices.Clone(transformerVars), Variable{Name: "n"})
}
