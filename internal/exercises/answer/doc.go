// Package answer parses what students type into Stride's exercise forms:
// whole numbers, decimals and percentages, CNN tensor shapes, small
// matrices, algebraic formulas over named variables, and multiple-choice
// selections.
//
// Every parser is written for untrusted, hand-typed input. Parsers never
// panic, bound the amount of work they do (see the Max* constants), and
// report failures as *ParseError whose Message and Expected fields are meant
// to be shown to the student as they are. Every successful result has a
// ReadAs method that says, in one short sentence, how the answer was
// understood, so the student can spot a misreading (for example a comma
// taken as a thousands separator) before it is graded.
package answer
