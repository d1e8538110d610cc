//! The PNG of a run: messages accepted and copies read per second above,
//! latencies (median and 99th percentile per window) below.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::report::percentile;

/// Fonts for the labels, in the order tried (Debian's fonts-dejavu-core,
/// fonts-liberation). plotters draws text with ab_glyph from a font file.
const FONTS: [&str; 3] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
];
/// Seconds per point of the lines.
const WINDOW: f64 = 5.0;

/// Writes the plot; `replies` and `reads` are (time, latency ms).
pub fn write(
    path: &Path,
    replies: &[(f64, f64)],
    reads: &[(f64, f64)],
    total: f64,
) -> Result<(), String> {
    register_font()?;
    // Rates and latencies over windows of WINDOW seconds: per second
    // counts jump with the readers' polls.
    let windows = |events: &[(f64, f64)], value: &dyn Fn(&mut Vec<f64>) -> Option<f64>| {
        let mut buckets = vec![Vec::new(); (total / WINDOW).ceil().max(1.0) as usize];
        for (t, v) in events {
            let at = ((t / WINDOW) as usize).min(buckets.len() - 1);
            buckets[at].push(*v);
        }
        buckets
            .iter_mut()
            .enumerate()
            .filter_map(|(n, b)| Some(((n as f64 + 0.5) * WINDOW, value(b)?)))
            .collect::<Vec<_>>()
    };
    let rate = |v: &mut Vec<f64>| Some(v.len() as f64 / WINDOW);
    // The latency axis is logarithmic (0.1 ms up): end-of-DATA replies take
    // milliseconds, a queue's backlog takes minutes.
    let p50 = |v: &mut Vec<f64>| percentile(v, 50.0).map(|x| x.max(0.1));
    let p99 = |v: &mut Vec<f64>| percentile(v, 99.0).map(|x| x.max(0.1));
    let rates = [
        ("messages accepted", windows(replies, &rate), BLUE),
        ("copies read", windows(reads, &rate), RED),
    ];
    let latencies = [
        ("end of DATA to 250, p50", windows(replies, &p50), BLUE),
        ("end of DATA to 250, p99", windows(replies, &p99), CYAN),
        ("250 to readable, p50", windows(reads, &p50), RED),
        ("250 to readable, p99", windows(reads, &p99), MAGENTA),
    ];
    let highest = |lines: &[Line]| {
        lines
            .iter()
            .flat_map(|l| l.1.iter().map(|p| p.1))
            .fold(1.0, f64::max)
    };

    let root = BitMapBackend::new(path, (1200, 800)).into_drawing_area();
    root.fill(&WHITE).map_err(draw)?;
    let (top, bottom) = root.split_vertically(400);
    let x = 0.0..total.max(1.0);
    let y = 0.0..highest(&rates) * 1.1;
    panel(&top, "Throughput", "per second", x.clone(), y, rates)?;
    let y = (0.1..highest(&latencies) * 2.0).log_scale();
    panel(&bottom, "Latency", "ms (log)", x, y, latencies)?;
    root.present().map_err(draw)
}

/// A labelled line: its name, its points, its colour.
type Line = (&'static str, Vec<(f64, f64)>, RGBColor);

/// One chart of `lines` over seconds, with a legend.
fn panel<Y>(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    caption: &str,
    y_desc: &str,
    x: std::ops::Range<f64>,
    y: Y,
    lines: impl IntoIterator<Item = Line>,
) -> Result<(), String>
where
    Y: plotters::coord::ranged1d::AsRangedCoord<Value = f64>,
    Y::CoordDescType: plotters::coord::ranged1d::ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(x, y)
        .map_err(draw)?;
    chart
        .configure_mesh()
        .x_desc("seconds")
        .y_desc(y_desc)
        .draw()
        .map_err(draw)?;
    for (label, series, colour) in lines {
        chart
            .draw_series(LineSeries::new(series, colour.stroke_width(2)))
            .map_err(draw)?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(draw)
}

fn draw(e: impl std::fmt::Display) -> String {
    format!("drawing the plot: {e}")
}

fn register_font() -> Result<(), String> {
    let bytes = FONTS
        .iter()
        .find_map(|p| std::fs::read(p).ok())
        .ok_or("no font for the plot's labels: install fonts-dejavu-core")?;
    // Registered once per run; plotters keeps a 'static reference.
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
        .map_err(|_| "the font for the plot's labels is not a usable TrueType file".to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_plot_is_written_as_a_png() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.png");
        let replies: Vec<(f64, f64)> = (0..200).map(|i| (f64::from(i) / 10.0, 3.0)).collect();
        let reads: Vec<(f64, f64)> = (0..400).map(|i| (f64::from(i) / 20.0, 300.0)).collect();
        super::write(&path, &replies, &reads, 21.0).unwrap();
        let png = std::fs::read(&path).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000);
    }
}
