package bot

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"strings"
	"time"
	"unicode"

	"github.com/okrbot/okrbot/okr"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// errNoChart is progressChart's answer for a digest with nothing to draw:
// no top objectives, or no week of history yet. The caller posts no chart.
var errNoChart = errors.New("no progress to chart")

// The chart is drawn in points at chartDPI, so that chartWidth ×
// chartHeight points make a 1000 × 560 pixel PNG.
const (
	chartDPI        = 96
	chartWidth      = vg.Length(750)
	chartHeight     = vg.Length(420)
	chartSeries     = 8  // objectives drawn: more lines cannot be told apart
	chartLegendText = 40 // characters of a legend entry
	chartFontSize   = 10
)

// chartColors tell the objectives apart (the Okabe–Ito palette, readable
// with the common colour blindnesses), and chartShapes do so without
// colour.
var (
	chartColors = []color.RGBA{
		{0x00, 0x72, 0xB2, 0xFF}, // blue
		{0xE6, 0x9F, 0x00, 0xFF}, // orange
		{0x00, 0x9E, 0x73, 0xFF}, // green
		{0xD5, 0x5E, 0x00, 0xFF}, // vermilion
		{0xCC, 0x79, 0xA7, 0xFF}, // purple
		{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
		{0x33, 0x33, 0x33, 0xFF}, // near black
		{0xB8, 0x9F, 0x00, 0xFF}, // dark yellow
	}
	chartShapes = []draw.GlyphDrawer{
		draw.CircleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}, draw.RingGlyph{},
		draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{},
	}
	chartGrey  = color.RGBA{0x88, 0x88, 0x88, 0xFF}
	chartLight = color.RGBA{0xE0, 0xE0, 0xE0, 0xFF}
	// chartFont is the sans-serif face of the fonts gonum/plot embeds
	// (its default is the serif one).
	chartFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
)

// progressChart draws the digest's top objectives' progress week by week
// against the plan (a straight line from 0% at the cycle's start to 100%
// at its end), as a PNG of 1000 × 560 pixels. The first chartSeries
// objectives are drawn; the legend says how many more there are. The same
// digest always gives the same bytes. It returns errNoChart when there is
// nothing to draw.
func progressChart(d *okr.Digest) ([]byte, error) {
	if !digestCharted(d) {
		return nil, errNoChart
	}
	c := d.Cycle
	weeks := float64(c.End.Sub(c.Start)) / float64(okr.Week)
	loc := d.Location
	if loc == nil {
		loc = time.UTC
	}

	p := plot.New()
	p.Title.Text = chartLabel(c.Name, 30) + " · " + chartScope(d) + " vs the plan"
	p.Title.TextStyle.Font = font.From(chartFont, 14)
	p.Title.Padding = vg.Length(8)
	p.X.Label.Text = "weeks since the cycle began on " + c.Start.In(loc).Format("Jan 2, 2006")
	p.Y.Label.Text = "progress"
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(chartFont, chartFontSize)
		ax.Tick.Label.Font = font.From(chartFont, chartFontSize)
		ax.Color, ax.Tick.Color = chartGrey, chartGrey
	}
	p.X.Tick.Marker = chartWeekTicks(weeks)
	p.Y.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0%"}, {Value: 25, Label: "25%"}, {Value: 50, Label: "50%"},
		{Value: 75, Label: "75%"}, {Value: 100, Label: "100%"}}

	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = chartLight, chartLight
	p.Add(grid)

	plan, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: weeks, Y: 100}})
	if err != nil {
		return nil, fmt.Errorf("chart plan: %w", err)
	}
	plan.Color = chartGrey
	plan.Width = vg.Length(1.5)
	plan.Dashes = []vg.Length{vg.Length(6), vg.Length(4)}
	p.Add(plan)

	type entry struct {
		label  string
		thumbs []plot.Thumbnailer
	}
	var entries []entry
	drawn := 0
	for _, s := range d.History {
		n := min(len(s.At), len(s.Progress))
		if n == 0 || s.Objective == nil {
			continue
		}
		if drawn == chartSeries {
			break
		}
		xys := make(plotter.XYs, n)
		for i := range n {
			x := float64(s.At[i].Sub(c.Start)) / float64(okr.Week)
			xys[i] = plotter.XY{X: min(max(x, 0), weeks), Y: 100 * min(max(chartFinite(s.Progress[i]), 0), 1)}
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", s.Objective.Ref(), err)
		}
		col := chartColors[drawn%len(chartColors)]
		line.Color = col
		line.Width = vg.Length(2)
		points.Color = col
		points.Shape = chartShapes[drawn%len(chartShapes)]
		points.Radius = vg.Length(3.5)
		p.Add(line, points)
		label := chartLabel(s.Objective.Ref()+" "+s.Objective.Title, chartLegendText)
		entries = append(entries, entry{label, []plot.Thumbnailer{line, points}})
		drawn++
	}
	if drawn == 0 {
		return nil, errNoChart
	}
	entries = append(entries, entry{"expected: a linear plan", []plot.Thumbnailer{plan}})
	if rest := len(d.Objectives) - drawn; rest > 0 {
		entries = append(entries, entry{fmt.Sprintf("+ %s not drawn", countOf(rest, "more objective", "more objectives")), nil})
	}
	// Ranges last: Add widened them to the data, and the axes always show
	// the whole cycle from 0% to 100%.
	p.X.Min, p.X.Max = 0, weeks
	p.Y.Min, p.Y.Max = 0, 100

	// The legend goes under the plot, in two columns, so it never covers a
	// line.
	const columns = 2
	rows := (len(entries) + columns - 1) / columns
	legends := make([]plot.Legend, columns)
	for i := range legends {
		legends[i] = plot.NewLegend()
		legends[i].TextStyle.Font = font.From(chartFont, chartFontSize)
		legends[i].Top, legends[i].Left = true, true
		legends[i].Padding = vg.Length(3)
		legends[i].ThumbnailWidth = vg.Length(24)
	}
	for i, e := range entries {
		legends[i/rows].Add(e.label, e.thumbs...)
	}
	rowHeight := legends[0].TextStyle.Rectangle("Mg").Size().Y + legends[0].Padding
	legendHeight := vg.Length(rows)*rowHeight + vg.Length(12)

	canvas := vgimg.NewWith(vgimg.UseWH(chartWidth, chartHeight), vgimg.UseDPI(chartDPI))
	dc := draw.New(canvas)
	p.Draw(draw.Crop(dc, vg.Length(4), -vg.Length(12), legendHeight, -vg.Length(4)))
	area := draw.Crop(dc, vg.Length(48), -vg.Length(12), vg.Length(4), legendHeight-dc.Size().Y)
	colWidth := area.Size().X / columns
	for i := range legends {
		legends[i].Draw(draw.Crop(area, vg.Length(i)*colWidth, -vg.Length(columns-1-i)*colWidth, 0, 0))
	}

	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: canvas}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("encode chart: %w", err)
	}
	return buf.Bytes(), nil
}

// chartWeekTicks marks the end of every week of a cycle of the given
// length; labels thin out on long cycles so they never overlap.
func chartWeekTicks(weeks float64) plot.ConstantTicks {
	n := int(math.Floor(weeks + 1e-9))
	every := max(1, int(math.Ceil(float64(n)/14)))
	ticks := plot.ConstantTicks{{Value: 0}}
	for w := 1; w <= n; w++ {
		t := plot.Tick{Value: float64(w)}
		if w%every == 0 || w == 1 {
			t.Label = fmt.Sprintf("week %d", w)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// chartScope names the digest's objectives in the chart's title.
func chartScope(d *okr.Digest) string {
	if d.Team != nil {
		return chartLabel(d.Team.Name, 40) + " objectives"
	}
	return "company objectives"
}

// chartLabel is text a person typed, ready to draw: on one line, without
// characters the chart's font cannot draw (emoji would come out as boxes),
// and at most n characters. Pixels need no escaping.
func chartLabel(s string, n int) string {
	face := font.DefaultCache.Lookup(chartFont, chartFontSize)
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || unicode.IsControl(r):
			r = ' '
		case face.Face != nil:
			if g, err := face.Face.GlyphIndex(nil, r); err != nil || g == 0 {
				continue
			}
		}
		b.WriteRune(r)
	}
	return trunc(strings.Join(strings.Fields(b.String()), " "), n)
}

// chartFinite maps NaN to 0, so a bad value draws as nothing done rather
// than failing the chart.
func chartFinite(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return x
}
