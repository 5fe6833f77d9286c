package templates

import "html/template"

// PrintProps is a set of printable worksheets, or their answer key.
type PrintProps struct {
	Links Links
	// Title names the set; Heading is the page's h1 on screen.
	Title string
	// Paper is "a4" or "letter": the page size the set is laid out for.
	Paper string
	// Key is true for the answer key: answers and worked solutions are
	// printed under every part.
	Key bool
	// Screen-only controls: the same set on the other paper size, and the
	// questions or the key of the same set (KeyURL is empty when the
	// reader may not see the key).
	A4URL, LetterURL     string
	QuestionsURL, KeyURL string
	// BackURL and BackLabel lead back to where the set was chosen.
	BackURL, BackLabel string
	// Batches pages a roster's sheets: links to the other batches.
	Batches []PrintBatchLink
	Sheets  []PrintSheetView
}

// PrintBatchLink is one batch of a roster's sheets.
type PrintBatchLink struct {
	Label   string
	URL     string
	Current bool
}

// PrintSheetView is one worksheet.
type PrintSheetView struct {
	// Number counts sheets from 1; Of is how many the set has.
	Number, Of int
	Title      string
	// Student is the name of the student the sheet is for, or "".
	Student string
	// SeedText names the variants ("Variant 17" or a list for roster sheets).
	SeedText string
	// CheckURL is where a student checks the sheet's answers online;
	// CheckText the same, short enough to type.
	CheckURL, CheckText string
	// QRSize and QRPath draw CheckURL as a QR code (SVG units, path data).
	QRSize int
	QRPath string
	Items  []PrintItemView
}

// PrintItemView is one exercise on a sheet.
type PrintItemView struct {
	// ID is unique on the page (headings' anchors).
	ID          string
	Title       string
	Number      int
	Intro       []BlockView
	TableLayout bool
	TableInput  string
	Parts       []PrintPartView
}

// PrintPartView is one question of an exercise on paper.
type PrintPartView struct {
	Number    int
	LabelHTML template.HTML
	Prompt    template.HTML
	Format    template.HTML
	Kind      string
	Options   []OptionView
	// Rows and Cols size an empty grid for a matrix answer, unless
	// GridHidden (the grid's size would answer another part).
	Rows, Cols int
	GridHidden bool
	// Slots is the number of positions of a diagram part.
	Slots int
	// Lines is how many ruled lines a written answer gets.
	Lines int
	// The key's content.
	Answer      template.HTML
	Solution    []template.HTML
	ModelAnswer template.HTML
	Checklist   []template.HTML
	// Diagram and RNNDiagram are drawn with the key's worked solution.
	Diagram    *NetworkDiagramView
	RNNDiagram *RNNDiagramView
}

// PrintChooserProps is the form that picks what to print.
type PrintChooserProps struct {
	Links     Links
	Exercises []PrintChoice
	Seeds     string
	Paper     string
	Title     string
	// Problem names what was wrong with the last request, if anything.
	Problem string
	// KeyAvailable is true when the site has accounts, so instructors can
	// sign in to print answer keys.
	KeyAvailable bool
	Bounds       string
}

// PrintChoice is one exercise in the chooser.
type PrintChoice struct {
	ID, Title, Section string
	Checked            bool
}

// SheetCheckProps is the page a worksheet's link opens.
type SheetCheckProps struct {
	Links Links
	Items []SheetCheckItem
}

// SheetCheckItem is one exercise of a printed sheet.
type SheetCheckItem struct {
	Title, Variant, URL string
}
