//! Small SVG bar charts, drawn on the server (no script): vertical bars per category, stacked or
//! side by side, and horizontal bars for rankings. Every value is also written as text.

use std::fmt::Write as _;

/// One series of a bar chart.
pub struct Series<'a> {
    /// Legend.
    pub label: &'a str,
    /// Fill colour (CSS).
    pub color: &'a str,
    /// One value per category.
    pub values: Vec<i64>,
}

/// Escapes text for SVG/HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 40.0;
const TOP: f64 = 28.0;

/// A vertical bar chart of `series` over `categories`.
pub fn bars(title: &str, categories: &[String], series: &[Series<'_>], stacked: bool) -> String {
    let totals: Vec<i64> = (0..categories.len())
        .map(|i| {
            let values = series.iter().map(|s| s.values.get(i).copied().unwrap_or(0));
            if stacked { values.sum() } else { values.max().unwrap_or(0) }
        })
        .collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1) as f64;
    let plot_height = HEIGHT - BOTTOM - TOP;
    let slot = (WIDTH - LEFT - 8.0) / categories.len().max(1) as f64;
    let groups = if stacked { 1.0 } else { series.len().max(1) as f64 };
    let bar = (slot * 0.7 / groups).max(2.0);
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{0}"><title>{0}</title>"#,
        escape(title)
    );
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" y1="{y}" x2="{WIDTH}" y2="{y}" stroke="#999"/><text x="{x}" y="{t}" class="axis">{max}</text><text x="{x}" y="{y}" class="axis">0</text>"##,
        y = HEIGHT - BOTTOM,
        x = LEFT - 6.0,
        t = TOP + 4.0,
        max = max as i64,
    );
    for (i, category) in categories.iter().enumerate() {
        let x0 = LEFT + slot * i as f64 + slot * 0.15;
        let mut base = HEIGHT - BOTTOM;
        for (k, s) in series.iter().enumerate() {
            let value = s.values.get(i).copied().unwrap_or(0);
            let h = value as f64 / max * plot_height;
            let x = if stacked { x0 } else { x0 + bar * k as f64 };
            let y = if stacked { base - h } else { HEIGHT - BOTTOM - h };
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{h:.1}" fill="{}"><title>{} {}: {value}</title></rect>"#,
                s.color,
                escape(category),
                escape(s.label),
            );
            if stacked {
                base -= h;
            }
        }
        let label_x = LEFT + slot * (i as f64 + 0.5);
        let _ = write!(
            svg,
            r#"<text x="{label_x:.1}" y="{:.1}" class="label">{}</text><text x="{label_x:.1}" y="{:.1}" class="value">{}</text>"#,
            HEIGHT - BOTTOM + 16.0,
            escape(category),
            (HEIGHT - BOTTOM - totals[i] as f64 / max * plot_height - 4.0).max(12.0),
            totals[i],
        );
    }
    let mut legend_x = LEFT;
    for s in series {
        let _ = write!(
            svg,
            r#"<rect x="{legend_x}" y="6" width="12" height="12" fill="{}"/><text x="{}" y="16" class="legend">{}</text>"#,
            s.color,
            legend_x + 16.0,
            escape(s.label)
        );
        legend_x += 24.0 + 8.0 * s.label.chars().count() as f64;
    }
    svg.push_str("</svg>");
    svg
}

/// A horizontal bar chart of labelled values, in the given order.
pub fn ranking(title: &str, items: &[(String, i64)], color: &str) -> String {
    let row = 26.0;
    let label_width = 300.0;
    let height = row * items.len().max(1) as f64 + 8.0;
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{0}"><title>{0}</title>"#,
        escape(title)
    );
    for (i, (label, value)) in items.iter().enumerate() {
        let y = 4.0 + row * i as f64;
        let w = *value as f64 / max * (WIDTH - label_width - 60.0);
        let _ = write!(
            svg,
            r#"<text x="{}" y="{:.1}" class="name">{}</text><rect x="{label_width}" y="{y:.1}" width="{w:.1}" height="{:.1}" fill="{color}"/><text x="{:.1}" y="{:.1}" class="count">{value}</text>"#,
            label_width - 8.0,
            y + row * 0.6,
            escape(label),
            row - 8.0,
            label_width + w + 6.0,
            y + row * 0.6,
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_scaled_to_the_largest_total_and_labels_escaped() {
        let months = vec!["2026-10".to_owned(), "<b>".to_owned()];
        let svg = bars(
            "Sessions",
            &months,
            &[
                Series { label: "alone", color: "#36c", values: vec![3, 1] },
                Series { label: "assisted", color: "#c63", values: vec![1, 0] },
            ],
            true,
        );
        assert!(svg.contains(r#"class="axis">4<"#), "the axis goes to the largest stacked total");
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
        assert_eq!(svg.matches("<rect").count(), 4 + 2, "four bars and two legend keys");
    }

    #[test]
    fn rankings_have_one_bar_per_item() {
        let svg = ranking("Par démarche", &[("CAF".into(), 10), ("ANTS".into(), 5)], "#36c");
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains(">CAF<") && svg.contains(">10<"));
    }
}
