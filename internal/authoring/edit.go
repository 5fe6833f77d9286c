package authoring

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The browser's exercise editor (issue 13 §1, docs/AUTHORING.md "Authoring
// in the browser") is a form per family whose fields are named by the
// loader's own field paths ("data.cases[1].stride"). Encode turns the
// form into the text of an exercise file and Decode a file back into the
// form, so the editor goes through Parse like any file, and an error Parse
// reports names the form field it concerns.

// FieldKind says how a form field's text becomes YAML.
type FieldKind string

// Field kinds.
const (
	// FieldText is one line of text.
	FieldText FieldKind = "text"
	// FieldLong is text of several lines.
	FieldLong FieldKind = "long"
	// FieldValue is a YAML value written inline: 3, {min: 1, max: 4},
	// {one_of: [1, 2]}, [3, 32, 32], bottom-right.
	FieldValue FieldKind = "value"
	// FieldGrid is a grid of numbers, one row per line, numbers separated
	// by spaces or commas; or an inline value ({rows: 4, cols: 4, min: -3,
	// max: 9}).
	FieldGrid FieldKind = "grid"
	// FieldChoice is one of Choices (true and false for yes/no fields);
	// empty leaves the format's default.
	FieldChoice FieldKind = "choice"
	// FieldYAML is a block of YAML (a list of layers or questions).
	FieldYAML FieldKind = "yaml"
)

// Field is one field of the form.
type Field struct {
	// Key is the field's YAML key.
	Key   string
	Label string
	Help  string
	Kind  FieldKind
	// Choices of a FieldChoice; the form adds "" (the default).
	Choices []string
}

// Group is a list of mappings (a conv-by-hand file's cases): the form
// shows one fieldset per item and an empty one to add another.
type Group struct {
	Key, Label, Help string
	Fields           []Field
	Max              int
}

// Form is the form of one family.
type Form struct {
	Family string
	Label  string
	Fields []Field
	Groups []Group
}

// Form field names outside data.
const (
	// MoreField holds data fields the form has no field for, as YAML
	// (fields added to the format later, a multi-line intro): they are
	// merged into data.
	MoreField = "data.more"
)

// MetaFields are the fields every exercise has, above its data.
var MetaFields = []Field{
	{Key: "id", Label: "ID", Kind: FieldText, Help: "1 to 64 lower-case letters, digits and hyphens, like conv-week3; it names the exercise in links and assignments and cannot change later."},
	{Key: "title", Label: "Title", Kind: FieldText},
	{Key: "summary", Label: "Summary", Kind: FieldText, Help: "One sentence for the catalog; the title when empty."},
	{Key: "section", Label: "Section", Kind: FieldText, Help: "Groups exercises on the home page, like Week 3; Course when empty."},
	{Key: "section_title", Label: "Section title", Kind: FieldText},
}

var (
	intHelp  = "A whole number, or a value drawn per variant: {min: 1, max: 4} or {one_of: [1, 2, 4]}."
	gridHelp = "One row per line, numbers separated by spaces or commas; or a grid drawn per variant: {rows: 4, cols: 4, min: -3, max: 9}."
	cellHelp = "bottom-right, random, border, or [row, column] counting from 1."
	yesNo    = []string{"true", "false"}
)

// forms are the families' forms, in Families order. A family without a
// form here (one added to the format later) gets its data as YAML.
var forms = []Form{
	{Family: "conv-by-hand", Label: "Convolution by hand", Fields: []Field{
		{Key: "image", Label: "Image", Kind: FieldGrid, Help: gridHelp + " At most 16×16, numbers up to 1000."},
		{Key: "filter", Label: "Filter", Kind: FieldGrid, Help: "A square grid, one row per line; or {size: 3, min: -2, max: 2}."},
		{Key: "input", Label: "Input channels (instead of the image)", Kind: FieldYAML, Help: "Several channels: a list of grids, like [[[1, 0], [0, 1]], [[2, 1], [1, 2]]]. Leave the image and filter empty then."},
		{Key: "filters", Label: "Filters (with input channels)", Kind: FieldYAML, Help: "A list of filters, each one square grid per input channel."},
		{Key: "bias", Label: "Biases (with filters)", Kind: FieldValue, Help: "One number per filter, like [1, -2]."},
	}, Groups: []Group{{Key: "cases", Label: "Setting", Max: maxCases, Help: "Each setting asks the output size, then one cell and/or the whole output.", Fields: []Field{
		{Key: "name", Label: "Name", Kind: FieldText, Help: "Ends this setting's part IDs, like padded; optional."},
		{Key: "stride", Label: "Stride", Kind: FieldValue, Help: "1 when empty. " + intHelp},
		{Key: "padding", Label: "Padding", Kind: FieldValue, Help: "0 when empty. " + intHelp},
		{Key: "dilation", Label: "Dilation", Kind: FieldValue, Help: "1 when empty: the filter's taps are this far apart. " + intHelp},
		{Key: "cell", Label: "Cell to ask", Kind: FieldValue, Help: cellHelp},
		{Key: "whole_output", Label: "Ask the whole output", Kind: FieldChoice, Choices: yesNo},
		{Key: "out_channel", Label: "Output channel", Kind: FieldValue, Help: "With several filters: which output channel, from 1."},
	}}}},
	{Family: "output-size", Label: "Output-size formula", Fields: []Field{
		{Key: "input_width", Label: "Input width", Kind: FieldValue, Help: intHelp},
		{Key: "kernel", Label: "Filter width", Kind: FieldValue, Help: intHelp},
		{Key: "padding", Label: "Padding", Kind: FieldValue, Help: "0 when empty. " + intHelp},
		{Key: "stride", Label: "Stride", Kind: FieldValue, Help: "1 when empty. " + intHelp},
		{Key: "dilation", Label: "Dilation", Kind: FieldValue, Help: "1 when empty. " + intHelp},
		{Key: "note", Label: "Note", Kind: FieldLong},
	}},
	{Family: "network", Label: "Network shapes or parameter counts", Fields: []Field{
		{Key: "input_shape", Label: "Input shape", Kind: FieldValue, Help: "[C, H, W] or [N] without the batch, like [3, 32, 32]; each may be drawn, like [3, {one_of: [28, 32]}, 32]."},
		{Key: "ask", Label: "Ask", Kind: FieldChoice, Choices: []string{"shapes", "parameters"}},
		{Key: "pytorch", Label: "PyTorch model (print(model))", Kind: FieldLong, Help: "Paste what print(model) shows for an nn.Sequential; or list the layers below instead."},
		{Key: "layers", Label: "Layers (instead of the PyTorch text)", Kind: FieldYAML, Help: "A YAML list, one layer per item: - {type: Conv2d, out_channels: 12, kernel_size: 5}."},
		{Key: "intro", Label: "Introduction", Kind: FieldLong},
	}},
	{Family: "concepts", Label: "Concept questions", Fields: []Field{
		{Key: "intro", Label: "Introduction", Kind: FieldLong},
		{Key: "questions", Label: "Questions", Kind: FieldYAML, Help: "A YAML list of questions, each with id, prompt, kind (single-choice, multiple-choice, self-check), options ({id, text, correct, why}) and solution."},
	}},
	{Family: "attention", Label: "Attention parameters", Fields: []Field{
		{Key: "d_model", Label: "Model width d_model", Kind: FieldValue, Help: intHelp},
		{Key: "heads", Label: "Heads", Kind: FieldValue, Help: intHelp},
		{Key: "bias", Label: "Projections have biases", Kind: FieldChoice, Choices: yesNo},
		{Key: "out_proj", Label: "Count the output projection", Kind: FieldChoice, Choices: yesNo},
		{Key: "d_k_given", Label: "Give d_k in the question", Kind: FieldChoice, Choices: yesNo},
		{Key: "symbolic", Label: "Symbolic (no sizes)", Kind: FieldChoice, Choices: yesNo},
	}},
	{Family: "rnn-shapes", Label: "RNN shapes", Fields: []Field{
		{Key: "input_size", Label: "Input size", Kind: FieldValue, Help: intHelp},
		{Key: "hidden_size", Label: "Hidden size", Kind: FieldValue, Help: intHelp},
		{Key: "output_size", Label: "Output size", Kind: FieldValue, Help: intHelp},
	}},
	{Family: "rnn-forward", Label: "RNN forward pass", Fields: []Field{
		{Key: "input_size", Label: "Input size", Kind: FieldValue, Help: intHelp},
		{Key: "hidden_size", Label: "Hidden size", Kind: FieldValue, Help: intHelp},
		{Key: "output_size", Label: "Output size", Kind: FieldValue, Help: intHelp},
		{Key: "hidden_activation", Label: "Hidden activation", Kind: FieldChoice, Choices: []string{"relu", "identity"}},
		{Key: "w_hx", Label: "W_hx", Kind: FieldGrid, Help: "hidden_size × input_size, one row per line; or {min: -2, max: 2} to draw it."},
		{Key: "w_hh", Label: "W_hh", Kind: FieldGrid, Help: "hidden_size × hidden_size."},
		{Key: "w_yh", Label: "W_yh", Kind: FieldGrid, Help: "output_size × hidden_size."},
		{Key: "x", Label: "Inputs x_1, x_2", Kind: FieldGrid, Help: "One row per time step."},
		{Key: "h0", Label: "Initial state h_0", Kind: FieldValue, Help: "A list like [0, 1]; zeros when empty."},
	}},
	{Family: "pooling", Label: "Pooling by hand", Fields: []Field{
		{Key: "op", Label: "Operation", Kind: FieldChoice, Choices: []string{"max", "avg"}},
		{Key: "image", Label: "Image", Kind: FieldGrid, Help: gridHelp},
	}, Groups: []Group{{Key: "cases", Label: "Window", Max: maxCases, Help: "Each window setting asks the output size, then one cell and/or the whole output.", Fields: []Field{
		{Key: "name", Label: "Name", Kind: FieldText, Help: "Ends this setting's part IDs; optional."},
		{Key: "kernel", Label: "Window size", Kind: FieldValue, Help: intHelp},
		{Key: "stride", Label: "Stride", Kind: FieldValue, Help: "The window size when empty. " + intHelp},
		{Key: "padding", Label: "Padding", Kind: FieldValue, Help: "0 when empty; at most half the window, as PyTorch allows. " + intHelp},
		{Key: "count_include_pad", Label: "Count the padding in the mean (average pooling)", Kind: FieldChoice, Choices: yesNo},
		{Key: "cell", Label: "Cell to ask", Kind: FieldValue, Help: cellHelp},
		{Key: "whole_output", Label: "Ask the whole output", Kind: FieldChoice, Choices: yesNo},
	}}}},
}

// FormFor returns a family's form. A family the format knows but this
// table does not has its data edited as YAML (MoreField), so new families
// work in the editor at once.
func FormFor(family string) Form {
	for _, f := range forms {
		if f.Family == family {
			return f
		}
	}
	return Form{Family: family, Label: family}
}

// Forms lists the form of every family, in Families order.
func Forms() []Form {
	out := make([]Form, 0, len(Families))
	for _, fam := range Families {
		out = append(out, FormFor(fam))
	}
	return out
}

// Values are a form's fields by name: "id", "data.image",
// "data.cases[0].stride", MoreField.
type Values map[string]string

// DataName is the form name of a data field.
func DataName(key string) string { return "data." + key }

// ItemName is the form name of a field of a group's item.
func ItemName(group string, i int, key string) string {
	return fmt.Sprintf("data.%s[%d].%s", group, i, key)
}

// Encode bounds: the form's text is at most MaxFileBytes in all, like a
// file; a group has at most its Max items.
var errTooLarge = fmt.Errorf("the form holds more than %d bytes; the limit is that of a file", MaxFileBytes)

// Encode turns a family's form into the text of an exercise file. An
// error is an *Error naming the form field whose text cannot be read; the
// file is then checked by Parse like any other.
func Encode(family string, v Values) ([]byte, error) {
	total := 0
	for k, s := range v {
		total += len(k) + len(s)
	}
	if total > MaxFileBytes {
		return nil, &Error{File: "form", Message: errTooLarge.Error()}
	}
	form := FormFor(family)
	top := &yaml.Node{Kind: yaml.MappingNode}
	for _, f := range MetaFields {
		n, err := fieldNode(f, f.Key, v[f.Key])
		if err != nil {
			return nil, err
		}
		if n != nil {
			addKey(top, f.Key, n)
		}
	}
	addKey(top, "family", strNode(family, false))
	data := &yaml.Node{Kind: yaml.MappingNode}
	for _, f := range form.Fields {
		n, err := fieldNode(f, DataName(f.Key), v[DataName(f.Key)])
		if err != nil {
			return nil, err
		}
		if n != nil {
			addKey(data, f.Key, n)
		}
	}
	for _, g := range form.Groups {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for i := 0; i < g.Max; i++ {
			item := &yaml.Node{Kind: yaml.MappingNode}
			for _, f := range g.Fields {
				name := ItemName(g.Key, i, f.Key)
				n, err := fieldNode(f, name, v[name])
				if err != nil {
					return nil, err
				}
				if n != nil {
					addKey(item, f.Key, n)
				}
			}
			if len(item.Content) > 0 {
				seq.Content = append(seq.Content, item)
			}
		}
		if len(seq.Content) > 0 {
			addKey(data, g.Key, seq)
		}
	}
	if more := strings.TrimSpace(v[MoreField]); more != "" {
		n, err := parseValue(MoreField, more)
		if err != nil {
			return nil, err
		}
		if n != nil && n.Kind != yaml.MappingNode {
			return nil, &Error{File: "form", Field: MoreField, Message: "must be YAML fields (key: value), one per line"}
		}
		for i := 0; n != nil && i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i].Value, n.Content[i+1]
			if val.Kind == yaml.ScalarNode && val.Tag == "!!null" {
				continue // absent, as the loader reads it
			}
			if valueOf(data, k) != nil {
				return nil, &Error{File: "form", Field: MoreField, Message: fmt.Sprintf("%s is also a field of the form; fill in one of them", k)}
			}
			addKey(data, k, n.Content[i+1])
		}
	}
	if len(data.Content) > 0 {
		addKey(top, "data", data)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(top); err != nil {
		return nil, &Error{File: "form", Message: "the form cannot be written as a file: " + err.Error()}
	}
	_ = enc.Close()
	if buf.Len() > MaxFileBytes {
		return nil, &Error{File: "form", Message: fmt.Sprintf("the exercise has %d bytes as a file; the limit is %d", buf.Len(), MaxFileBytes)}
	}
	return buf.Bytes(), nil
}

func addKey(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, strNode(key, false), v)
}

func valueOf(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// strNode is a string scalar, a literal block when it has several lines.
func strNode(s string, long bool) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if long && strings.Contains(s, "\n") {
		n.Style = yaml.LiteralStyle
	}
	return n
}

var gridSep = regexp.MustCompile(`[\s,;]+`)

// fieldNode turns one field's text into a YAML node; nil when empty.
func fieldNode(f Field, name, text string) (*yaml.Node, error) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	trimmed := strings.TrimSpace(text)
	if trimmed == "" {
		return nil, nil
	}
	switch f.Kind {
	case FieldText:
		if strings.Contains(trimmed, "\n") {
			return nil, &Error{File: "form", Field: name, Message: "must be one line"}
		}
		return strNode(trimmed, false), nil
	case FieldLong:
		// Kept as typed (the file's text is the exercise's), but for the
		// line ends browsers send.
		return strNode(text, true), nil
	case FieldChoice:
		if !slices.Contains(f.Choices, trimmed) {
			return nil, &Error{File: "form", Field: name, Message: fmt.Sprintf("%q is not a choice; use one of %s", clip(trimmed), strings.Join(f.Choices, ", "))}
		}
		if trimmed == "true" || trimmed == "false" {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: trimmed}, nil
		}
		return strNode(trimmed, false), nil
	case FieldGrid:
		if trimmed[0] == '{' || trimmed[0] == '[' {
			return parseValue(name, trimmed)
		}
		grid := &yaml.Node{Kind: yaml.SequenceNode}
		for _, line := range strings.Split(trimmed, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			row := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
			for _, tok := range gridSep.Split(line, -1) {
				if tok == "" {
					continue
				}
				if _, err := strconv.ParseFloat(tok, 64); err != nil {
					return nil, &Error{File: "form", Field: name, Message: fmt.Sprintf("%q in row %d is not a number; write one row per line, numbers separated by spaces", clip(tok), len(grid.Content)+1)}
				}
				row.Content = append(row.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: tok})
			}
			grid.Content = append(grid.Content, row)
		}
		return grid, nil
	default: // FieldValue, FieldYAML
		return parseValue(name, text)
	}
}

// parseValue reads a field's text as one YAML value.
func parseValue(name, text string) (*yaml.Node, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(strings.NewReader(text))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		e := yamlError("form", err)
		e.Field, e.Line = name, 0
		return nil, e
	}
	var extra yaml.Node
	if dec.Decode(&extra) == nil {
		return nil, &Error{File: "form", Field: name, Message: "holds more than one YAML document (---); write one value"}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, nil
	}
	n := doc.Content[0]
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		// The loader reads null as absent; so does the form.
		return nil, nil
	}
	if hasAlias(n) {
		return nil, &Error{File: "form", Field: name, Message: "aliases (*name) are not allowed; write the value out"}
	}
	clearLayout(n)
	return n, nil
}

// hasAlias reports whether a value holds a YAML alias or anchor, which the
// loader refuses (and which could not be copied between fields).
func hasAlias(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return true
	}
	return slices.ContainsFunc(n.Content, hasAlias)
}

// clearLayout forgets where a value stood in its field (lines, comments),
// so it is written where it goes in the file.
func clearLayout(n *yaml.Node) {
	n.Line, n.Column = 0, 0
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	for _, c := range n.Content {
		clearLayout(c)
	}
}

// Decoded is an exercise file read back into its family's form.
type Decoded struct {
	Family string
	Values Values
	// Items is how many items each group has.
	Items map[string]int
	// Unshown lists fields of the file that the form cannot show (a key
	// of a group's item the form has no field for); when it is not empty
	// the exercise can only be edited as YAML.
	Unshown []string
}

// Decode reads an exercise file into its family's form. Data fields the
// form has no field for go to MoreField; comments are not kept.
func Decode(src []byte) (Decoded, error) {
	d := Decoded{Values: Values{}, Items: map[string]int{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return d, yamlError("file", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return d, &Error{File: "file", Message: "the file is not a mapping of fields (id:, title:, family:, data:)"}
	}
	top := doc.Content[0]
	known := map[string]bool{"family": true, "data": true}
	for _, f := range MetaFields {
		known[f.Key] = true
		if n := valueOf(top, f.Key); n != nil && n.Kind == yaml.ScalarNode {
			d.Values[f.Key] = n.Value
		} else if n != nil {
			d.Unshown = append(d.Unshown, f.Key)
		}
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		if k := top.Content[i].Value; !known[k] {
			d.Unshown = append(d.Unshown, k)
		}
	}
	if n := valueOf(top, "family"); n != nil && n.Kind == yaml.ScalarNode {
		d.Family = n.Value
	}
	form := FormFor(d.Family)
	data := valueOf(top, "data")
	if data == nil {
		return d, nil
	}
	if data.Kind != yaml.MappingNode {
		d.Unshown = append(d.Unshown, "data")
		return d, nil
	}
	more := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(data.Content); i += 2 {
		k, n := data.Content[i].Value, data.Content[i+1]
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			continue
		}
		if f, ok := findField(form.Fields, k); ok {
			if text, ok := fieldText(f, n); ok {
				d.Values[DataName(k)] = text
				continue
			}
		}
		if g, ok := findGroup(form.Groups, k); ok && d.group(g, n) {
			continue
		}
		addKey(more, k, n)
	}
	if len(more.Content) > 0 {
		d.Values[MoreField] = strings.TrimSpace(marshal(more, false))
	}
	return d, nil
}

// group reads a group's items into the form; false when the value is not
// a list of at most Max mappings (it then goes to MoreField whole).
func (d *Decoded) group(g Group, n *yaml.Node) bool {
	if n.Kind != yaml.SequenceNode || len(n.Content) > g.Max {
		return false
	}
	for _, item := range n.Content {
		if item.Kind != yaml.MappingNode {
			return false
		}
	}
	for i, item := range n.Content {
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, v := item.Content[j].Value, item.Content[j+1]
			name := ItemName(g.Key, i, k)
			f, ok := findField(g.Fields, k)
			if !ok {
				d.Unshown = append(d.Unshown, name)
				continue
			}
			text, ok := fieldText(f, v)
			if !ok {
				d.Unshown = append(d.Unshown, name)
				continue
			}
			d.Values[name] = text
		}
	}
	d.Items[g.Key] = len(n.Content)
	return true
}

func findField(fs []Field, key string) (Field, bool) {
	for _, f := range fs {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}

func findGroup(gs []Group, key string) (Group, bool) {
	for _, g := range gs {
		if g.Key == key {
			return g, true
		}
	}
	return Group{}, false
}

// fieldText is the form text of a value; false when the field cannot
// show it (a list of texts in a one-text field).
func fieldText(f Field, n *yaml.Node) (string, bool) {
	switch f.Kind {
	case FieldText:
		if n.Kind != yaml.ScalarNode || strings.Contains(n.Value, "\n") {
			return "", false
		}
		return n.Value, true
	case FieldLong:
		if n.Kind != yaml.ScalarNode {
			return "", false
		}
		return n.Value, true
	case FieldChoice:
		if n.Kind != yaml.ScalarNode || !slices.Contains(f.Choices, n.Value) {
			return "", false
		}
		return n.Value, true
	case FieldGrid:
		if rows, ok := gridRows(n); ok {
			return rows, true
		}
		return marshal(n, true), true
	case FieldYAML:
		return strings.TrimRight(marshal(n, false), "\n"), true
	default:
		return marshal(n, true), true
	}
}

// gridRows writes a grid of numbers one row per line.
func gridRows(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return "", false
	}
	var b strings.Builder
	for i, row := range n.Content {
		if row.Kind != yaml.SequenceNode || len(row.Content) == 0 {
			return "", false
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		for j, c := range row.Content {
			if c.Kind != yaml.ScalarNode {
				return "", false
			}
			if _, err := strconv.ParseFloat(c.Value, 64); err != nil {
				return "", false
			}
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(c.Value)
		}
	}
	return b.String(), true
}

// marshal writes a value as YAML, inline (flow) or as a block.
func marshal(n *yaml.Node, flow bool) string {
	c := copyNode(n)
	clearLayout(c)
	if flow {
		setFlow(c)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return ""
	}
	_ = enc.Close()
	return strings.TrimRight(buf.String(), "\n")
}

func copyNode(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, k := range n.Content {
		c.Content[i] = copyNode(k)
	}
	return &c
}

func setFlow(n *yaml.Node) {
	if n.Kind == yaml.SequenceNode || n.Kind == yaml.MappingNode {
		n.Style = yaml.FlowStyle
	} else if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		n.Style = yaml.DoubleQuotedStyle
	}
	for _, c := range n.Content {
		setFlow(c)
	}
}
