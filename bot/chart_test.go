package bot

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"

	"github.com/okrbot/okrbot/okr"
)

// chartDecode decodes a chart and checks what every chart must be: a PNG
// of 1000 × 560 pixels, of a size Slack takes in a moment.
func chartDecode(t *testing.T, b []byte) image.Image {
	t.Helper()
	if n := len(b); n < 5<<10 || n > 1<<20 {
		t.Errorf("the chart is %d bytes, want 5 KB to 1 MB", n)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the chart is not a PNG: %v", err)
	}
	if got, want := img.Bounds().Size(), (image.Point{X: 1000, Y: 560}); got != want {
		t.Fatalf("the chart is %v pixels, want %v", got, want)
	}
	return img
}

// chartColours counts the pixels of each colour, in one pass.
func chartColours(img image.Image) map[color.RGBA]int {
	out := map[color.RGBA]int{}
	switch img := img.(type) {
	case *image.RGBA: // what a PNG without transparency decodes to
		for i := 0; i+3 < len(img.Pix); i += 4 {
			out[color.RGBA{img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3]}]++
		}
	default:
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				out[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
			}
		}
	}
	return out
}

func TestProgressChart_DrawsEachObjectiveAndThePlan(t *testing.T) {
	g := digestTestGraph()
	d, _ := digestFrom(t, g, digestTestNow, digestTestValues(g, 6))
	if got, want := len(d.History), 2; got != want {
		t.Fatalf("%d series, want %d", got, want)
	}
	if got, want := len(d.History[0].At), 7; got != want { // six whole weeks and this one so far
		t.Fatalf("%d points a series, want %d", got, want)
	}
	b, err := progressChart(d)
	if err != nil {
		t.Fatal(err)
	}
	colours := chartColours(chartDecode(t, b))
	// Each objective's line is drawn in its own colour, and the plan in
	// grey: solid runs of pixels of each, not a stray one.
	for i, c := range []color.RGBA{chartColors[0], chartColors[1], chartGrey} {
		if n := colours[c]; n < 200 {
			t.Errorf("colour %d (%v) covers %d pixels; its line is missing", i, c, n)
		}
	}
	if n := colours[chartColors[2]]; n != 0 {
		t.Errorf("a third series colour covers %d pixels, with two objectives", n)
	}

	// The same digest gives the same bytes.
	again, err := progressChart(d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, again) {
		t.Error("the same digest drew two different charts")
	}
}

func TestProgressChart_OneWeekOfHistory(t *testing.T) {
	g := digestTestGraph()
	at := digestTestCycle().Start.Add(3 * 24 * time.Hour)
	d, _ := digestFrom(t, g, at, digestTestValues(g, 0))
	if got, want := len(d.History[0].At), 1; got != want {
		t.Fatalf("%d points a series, want %d", got, want)
	}
	b, err := progressChart(d)
	if err != nil {
		t.Fatal(err)
	}
	if n := chartColours(chartDecode(t, b))[chartColors[0]]; n < 20 {
		t.Errorf("the single point of the first objective covers %d pixels", n)
	}
}

func TestProgressChart_NothingToDraw(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    func(t *testing.T) *okr.Digest
	}{
		{"NoObjectives", func(t *testing.T) *okr.Digest {
			d, _ := digestFrom(t, &okr.Graph{Cycle: digestTestCycle()}, digestTestNow, nil)
			return d
		}},
		{"NoHistoryYet", func(t *testing.T) *okr.Digest {
			d, _ := digestFrom(t, digestTestGraph(), digestTestCycle().Start, nil)
			return d
		}},
		{"NoCycle", func(t *testing.T) *okr.Digest {
			d, _ := digestFrom(t, digestTestGraph(), digestTestNow, nil)
			d.Cycle = nil
			return d
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := progressChart(tc.d(t))
			if !errors.Is(err, errNoChart) || b != nil {
				t.Fatalf("progressChart = %d bytes, %v; want errNoChart", len(b), err)
			}
		})
	}
}

func TestProgressChart_ManyObjectivesAndHostileTitles(t *testing.T) {
	g := digestLargeGraph()
	for _, o := range g.Objectives[:3] {
		o.Title = "🚀 " + digestHostile + "\nwith a line break and a very long tail that goes on"
	}
	d, _ := digestFrom(t, g, digestTestNow, nil)
	d.Team = &okr.Team{ID: 1, Name: "Platform 🛠️ & <friends>"}
	start := time.Now()
	b, err := progressChart(d)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d objectives: %d bytes in %v", len(d.Objectives), len(b), time.Since(start))
	colours := chartColours(chartDecode(t, b))
	// chartSeries objectives are drawn, each in its own colour.
	for i, c := range chartColors {
		if n := colours[c]; n == 0 {
			t.Errorf("series %d is not drawn", i)
		}
	}
	if got, want := chartLabel("🚀 "+digestHostile+"\nwith a line break", chartLegendText), "<!channel> & <https://evil|x> with a li…"; got != want {
		t.Errorf("legend label = %q, want %q", got, want)
	}
}

// BenchmarkProgressChart measures drawing the weekly chart of a company
// with 8 objectives drawn (of 300) at week 7: the target is well under a
// second (a digest posts it once a week per channel), about 50 ms.
func BenchmarkProgressChart(b *testing.B) {
	d, _ := digestFrom(b, digestLargeGraph(), digestTestNow, nil)
	b.ResetTimer()
	for b.Loop() {
		if _, err := progressChart(d); err != nil {
			b.Fatal(err)
		}
	}
}
