//! Horizontal bar charts for results: each row a label, its count and percentage right-aligned
//! so they line up, and a bar of `█` scaled so the largest count fills the bar's room, ended by
//! a partial block (`▏`…`▉`, eighths of a cell) so close counts still look different.

use std::iter;

use super::table::{fit, width_of};
use super::{Output, Tone, printable};

const FULL: char = '█';
/// One to seven eighths of a cell.
const PARTIAL: [char; 7] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const GAP: &str = "  ";
/// The bar's room, whatever the width: shorter is unreadable, longer only harder to compare.
const MIN_BAR: usize = 10;
const MAX_BAR: usize = 40;
/// Labels take at most a third of the width (never less than `MIN_LABEL`); longer ones are
/// cut with `…`.
const LABEL_SHARE: usize = 3;
const MIN_LABEL: usize = 12;

/// Counts with their share of a total, as bars.
pub struct Chart {
    rows: Vec<(String, u64)>,
    total: u64,
}

impl Chart {
    /// A chart whose percentages are shares of `total`.
    pub fn new(total: u64) -> Chart {
        Chart {
            rows: Vec::new(),
            total,
        }
    }

    pub fn row(&mut self, label: &str, count: u64) {
        self.rows.push((printable(label), count));
    }

    /// One line per row, `width` characters at most when the labels allow.
    pub fn render(&self, out: &Output, width: usize) -> Vec<String> {
        let max = self.rows.iter().map(|&(_, count)| count).max().unwrap_or(0);
        let count_width = max.to_string().len();
        let percents: Vec<String> = self
            .rows
            .iter()
            .map(|&(_, count)| percent(count, self.total))
            .collect();
        let percent_width = percents.iter().map(String::len).max().unwrap_or(0);
        let label_width = self
            .rows
            .iter()
            .map(|(label, _)| width_of(label))
            .max()
            .unwrap_or(0)
            .min((width / LABEL_SHARE).max(MIN_LABEL));
        let used = label_width + count_width + percent_width + 3 * GAP.len();
        let cells = width.saturating_sub(used).clamp(MIN_BAR, MAX_BAR);
        self.rows
            .iter()
            .zip(&percents)
            .map(|((label, count), percent)| {
                let label = fit(label, label_width);
                let pad: String = iter::repeat_n(' ', label_width - width_of(&label)).collect();
                let bar = bar(*count, max, cells);
                let bar = if bar.is_empty() {
                    bar
                } else {
                    out.paint(Tone::Good, &bar)
                };
                let line = format!(
                    "{label}{pad}{GAP}{count:>count_width$}{GAP}{percent:>percent_width$}{GAP}{bar}"
                );
                line.trim_end().to_owned()
            })
            .collect()
    }
}

/// `count` as a bar of at most `cells` characters, `max` filling all of them. Any count above
/// zero shows, if only as a sliver.
pub fn bar(count: u64, max: u64, cells: usize) -> String {
    if count == 0 || max == 0 {
        return String::new();
    }
    let room = u128::try_from(cells).unwrap_or(u128::MAX) * 8;
    let eighths = (u128::from(count.min(max)) * room + u128::from(max) / 2) / u128::from(max);
    let eighths = usize::try_from(eighths.max(1)).unwrap_or(usize::MAX);
    let mut bar: String = iter::repeat_n(FULL, eighths / 8).collect();
    if let Some(&partial) = (eighths % 8).checked_sub(1).and_then(|i| PARTIAL.get(i)) {
        bar.push(partial);
    }
    bar
}

/// `count` as a share of `total` to one decimal, `66.7%`; of no total, `0.0%`.
pub fn percent(count: u64, total: u64) -> String {
    if total == 0 {
        return "0.0%".to_owned();
    }
    let tenths = (u128::from(count) * 1000 + u128::from(total) / 2) / u128::from(total);
    format!("{}.{}%", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Output = Output {
        json: false,
        color: false,
        terminal: false,
    };

    #[test]
    fn the_largest_count_fills_the_bar_and_the_others_scale_to_it() {
        assert_eq!(bar(4, 4, 10), "█".repeat(10));
        assert_eq!(bar(2, 4, 10), "█".repeat(5));
        // 1/3 of 10 cells is 3 cells and 2.67 eighths: rounded to 3/8.
        assert_eq!(bar(1, 3, 10), "███▍");
        assert_eq!(bar(1, 16, 1), "▏", "a count above zero never vanishes");
    }

    #[test]
    fn zero_counts_draw_no_bar() {
        assert_eq!(bar(0, 5, 10), "");
        assert_eq!(bar(0, 0, 10), "");
    }

    #[test]
    fn percentages_have_one_decimal_and_survive_an_empty_total() {
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(2, 3), "66.7%");
        assert_eq!(percent(3, 3), "100.0%");
        assert_eq!(percent(0, 3), "0.0%");
        assert_eq!(percent(0, 0), "0.0%");
    }

    #[test]
    fn counts_and_percentages_line_up_and_bars_start_in_one_column() {
        let mut chart = Chart::new(12);
        chart.row("Pizza", 12);
        chart.row("Salad", 0);
        chart.row("Soup of the day", 3);
        let lines = chart.render(&PLAIN, 60);
        assert_eq!(
            lines,
            [
                format!("Pizza            12  100.0%  {}", "█".repeat(31)),
                "Salad             0    0.0%".to_owned(),
                format!("Soup of the day   3   25.0%  {}▊", "█".repeat(7)),
            ]
        );
    }

    #[test]
    fn a_long_label_is_cut_and_the_line_kept_within_the_width() {
        let mut chart = Chart::new(2);
        chart.row(&"Ünïcödé ".repeat(20), 2);
        chart.row("No", 1);
        let lines = chart.render(&PLAIN, 60);
        assert!(lines.iter().all(|line| width_of(line) <= 60), "{lines:#?}");
        assert!(
            lines[0].starts_with("Ünïcödé Ünïcödé Ünï…  2"),
            "{lines:#?}"
        );
        assert!(
            lines[1].starts_with(&format!("No{}  1", " ".repeat(18))),
            "{lines:#?}"
        );
    }

    #[test]
    fn colour_paints_only_the_bar() {
        let colored = Output {
            json: false,
            color: true,
            terminal: true,
        };
        let mut chart = Chart::new(1);
        chart.row("Yes", 1);
        chart.row("No", 0);
        let lines = chart.render(&colored, 60);
        assert!(
            lines[0].starts_with("Yes  1  100.0%  \x1b[32m█"),
            "{lines:?}"
        );
        assert!(!lines[1].contains('\x1b'), "{lines:?}");
    }
}
