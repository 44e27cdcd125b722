//! Charts as SVG the server renders (they show before the wasm, and without it): horizontal
//! bars and monthly columns. A bar with a target is a link (to the Customers list filtered to
//! it). Every chart carries the same numbers as a table for screen readers and for copying;
//! colours come from the stylesheet's variables, so dark mode reads as well as light.

use crate::fmt::group_thousands;
use leptos::prelude::*;

/// One bar: what it counts, how many, where a click goes, and its own colour (a label's).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub href: Option<String>,
    pub color: Option<String>,
}

impl Bar {
    pub fn new(label: impl Into<String>, value: i64) -> Bar {
        Bar {
            label: label.into(),
            value,
            ..Bar::default()
        }
    }

    pub fn link(mut self, href: impl Into<String>) -> Bar {
        self.href = Some(href.into());
        self
    }

    pub fn color(mut self, color: impl Into<String>) -> Bar {
        self.color = Some(color.into());
        self
    }

    fn spoken(&self) -> String {
        format!("{}: {}", self.label, group_thousands(self.value))
    }
}

/// Width of the bars' drawing, in SVG units.
const WIDTH: f64 = 480.0;
/// Where bars start (the label column's width) and the room kept for the value after them.
const LABEL_W: f64 = 160.0;
const VALUE_W: f64 = 70.0;
const ROW_H: f64 = 28.0;

/// At most this many characters of a label in the drawing (the table has it whole).
fn short(label: &str) -> String {
    const MAX: usize = 20;
    if label.chars().count() <= MAX {
        label.to_string()
    } else {
        let cut: String = label.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

/// A bar's length for `value` when the longest is `max` (a sliver for anything above 0).
fn length(value: i64, max: i64, room: f64) -> f64 {
    if value <= 0 || max <= 0 {
        0.0
    } else {
        (value as f64 / max as f64 * room).max(2.0)
    }
}

/// The chart's frame: its title, the drawing, and the same numbers as a table.
#[component]
fn Figure(
    id: &'static str,
    #[prop(into)] title: String,
    /// The table's first column's heading ("Country", "Month", …).
    what: &'static str,
    bars: Vec<Bar>,
    children: Children,
) -> impl IntoView {
    let caption = format!("{id}-title");
    let labelled_by = caption.clone();
    view! {
        <figure class="chart card" data-testid=format!("chart-{id}") aria-labelledby=labelled_by>
            <figcaption id=caption><h2>{title}</h2></figcaption>
            {children()}
            <details class="chart-table">
                <summary>"Show as a table"</summary>
                <table>
                    <thead><tr><th scope="col">{what}</th><th scope="col" class="num">"Customers"</th></tr></thead>
                    <tbody>
                        {bars.into_iter().map(|b| view! {
                            <tr>
                                <th scope="row">{match b.href {
                                    Some(h) => view! { <a href=h>{b.label}</a> }.into_any(),
                                    None => b.label.into_any(),
                                }}</th>
                                <td class="num">{group_thousands(b.value)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </figure>
    }
}

/// Horizontal bars, one row each, longest = the largest value.
#[component]
pub fn BarChart(
    id: &'static str,
    #[prop(into)] title: String,
    what: &'static str,
    bars: Vec<Bar>,
) -> impl IntoView {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
    let height = (bars.len().max(1) as f64) * ROW_H;
    let rows = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let y = i as f64 * ROW_H;
            let w = length(b.value, max, WIDTH - LABEL_W - VALUE_W);
            let style = b.color.as_ref().map(|c| format!("fill: {c}"));
            let inner = view! {
                <text class="bar-label" x="0" y=y + 18.0>{short(&b.label)}</text>
                <rect class="bar" x=LABEL_W y=y + 5.0 width=w height="18" rx="3" style=style/>
                <text class="bar-value" x=LABEL_W + w + 6.0 y=y + 19.0>{group_thousands(b.value)}</text>
            };
            match &b.href {
                Some(h) => view! {
                    <g><a href=h.clone() aria-label=b.spoken() class="bar-link">{inner}</a></g>
                }
                .into_any(),
                None => view! { <g role="img" aria-label=b.spoken()>{inner}</g> }.into_any(),
            }
        })
        .collect_view();
    view! {
        <Figure id title what bars>
            <svg class="bars" viewBox=format!("0 0 {WIDTH} {height}") width="100%"
                preserveAspectRatio="xMinYMin meet">
                {rows}
            </svg>
        </Figure>
    }
}

/// Columns side by side (a time series, oldest left); `tick` names a column's axis label,
/// or nothing for an unlabelled one.
#[component]
pub fn ColumnChart(
    id: &'static str,
    #[prop(into)] title: String,
    what: &'static str,
    bars: Vec<Bar>,
    ticks: Vec<Option<String>>,
) -> impl IntoView {
    const PLOT_H: f64 = 160.0;
    const COL: f64 = 20.0;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
    let width = bars.len().max(1) as f64 * COL;
    let cols = bars
        .iter()
        .zip(ticks)
        .enumerate()
        .map(|(i, (b, tick))| {
            let x = i as f64 * COL;
            let h = length(b.value, max, PLOT_H - 16.0);
            let spoken = b.spoken();
            let tooltip = spoken.clone();
            // The whole column's height is the target, not only the bar.
            let rects = view! {
                <rect class="col-hit" x=x y="0" width=COL height=PLOT_H/>
                <rect class="bar" x=x + 3.0 y=PLOT_H - h width=COL - 6.0 height=h rx="2"/>
            };
            let tick = tick.map(|t| view! {
                <text class="tick" x=x + COL / 2.0 y=PLOT_H + 16.0 text-anchor="middle">{t}</text>
            });
            // `<a>` and `<title>` are SVG elements only inside an SVG parent of the same
            // `view!`: hence the `<g>` around each.
            match &b.href {
                Some(href) => view! {
                    <g>
                        <a href=href.clone() aria-label=spoken class="bar-link">
                            <title>{tooltip}</title>
                            {rects}
                        </a>
                        {tick}
                    </g>
                }
                .into_any(),
                None => view! {
                    <g>
                        <g role="img" aria-label=spoken><title>{tooltip}</title>{rects}</g>
                        {tick}
                    </g>
                }
                .into_any(),
            }
        })
        .collect_view();
    view! {
        <Figure id title what bars>
            <svg class="columns" viewBox=format!("0 0 {width} {}", PLOT_H + 22.0) width="100%">
                <line class="axis" x1="0" y1=PLOT_H x2=width y2=PLOT_H/>
                {cols}
            </svg>
        </Figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_a_small_one_stays_visible() {
        assert_eq!(length(50, 100, 300.0), 150.0);
        assert_eq!(length(1, 1_000_000, 300.0), 2.0);
        assert_eq!(length(0, 100, 300.0), 0.0);
        assert_eq!(length(5, 0, 300.0), 0.0);
    }

    #[test]
    fn long_labels_are_shortened_in_the_drawing_only() {
        assert_eq!(short("Germany"), "Germany");
        let long = "South Georgia and the South Sandwich Islands";
        assert_eq!(short(long).chars().count(), 20);
        assert!(short(long).ends_with('…'));
    }
}
