//! Tables for people: a header, numbers right-aligned and text left, the whole kept within the
//! width given. A cell too wide is cut short with `…` rather than let its row wrap and break
//! the columns. Widths count terminal cells, not bytes. Columns marked droppable are left out,
//! in the order given, before a text column is cut to less than it needs to be read.

use std::iter;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{Output, Tone, printable};

/// How a column lines up: numbers to the right, text to the left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

const GAP: &str = "  ";

/// A text column is never cut narrower than this or its header (unless it is narrower
/// already): below it a cell says too little to be worth the room it saves.
const MIN_TEXT: usize = 6;

/// A text column this narrow is short (a date, most e-mails, a status): it is cut only when
/// cutting the longer ones cannot make the table fit.
const SHORT: usize = 20;

/// What a text column needs to be read: cut below this (or below its whole width, if less),
/// a droppable column is worth more as room for it.
const READABLE: usize = 24;

pub struct Table {
    columns: Vec<(&'static str, Align)>,
    rows: Vec<Vec<String>>,
    /// Headers of the columns worth less than a whole cell elsewhere, first to go first.
    droppable: Vec<&'static str>,
}

impl Table {
    pub fn new(columns: &[(&'static str, Align)]) -> Table {
        Table {
            columns: columns.to_vec(),
            rows: Vec::new(),
            droppable: Vec::new(),
        }
    }

    /// Columns (by header) to leave out, in this order, while the table does not fit whole.
    #[must_use]
    pub fn droppable(mut self, headers: &[&'static str]) -> Table {
        self.droppable = headers.to_vec();
        self
    }

    /// Adds a row, one cell per column (extra cells are dropped, missing ones left empty).
    pub fn row(&mut self, cells: impl IntoIterator<Item = String>) {
        let mut cells: Vec<String> = cells.into_iter().map(|cell| printable(&cell)).collect();
        cells.resize(self.columns.len(), String::new());
        self.rows.push(cells);
    }

    /// The lines to print, header first, none wider than `width` unless the numbers and the
    /// narrowest text columns alone are.
    pub fn render(&self, out: &Output, width: usize) -> Vec<String> {
        if let Some(narrower) = self.without_droppable(width) {
            return narrower.render(out, width);
        }
        let widths = self.widths(width);
        let header = self.line(self.columns.iter().map(|&(name, _)| name), &widths);
        iter::once(out.paint(Tone::Strong, &header))
            .chain(
                self.rows
                    .iter()
                    .map(|row| self.line(row.iter().map(String::as_str), &widths)),
            )
            .collect()
    }

    fn line<'a>(&self, cells: impl Iterator<Item = &'a str>, widths: &[usize]) -> String {
        let mut line = String::new();
        for (i, ((cell, &(_, align)), &width)) in cells.zip(&self.columns).zip(widths).enumerate() {
            if i > 0 {
                line.push_str(GAP);
            }
            let text = fit(cell, width);
            let pad = iter::repeat_n(' ', width.saturating_sub(width_of(&text)));
            match align {
                Align::Left => {
                    line.push_str(&text);
                    line.extend(pad);
                }
                Align::Right => {
                    line.extend(pad);
                    line.push_str(&text);
                }
            }
        }
        line.truncate(line.trim_end().len());
        line
    }

    /// This table less as many droppable columns as it takes for no text column to be cut
    /// below readable in `width` (or less all of them); `None` when it is readable already or
    /// has none to drop.
    fn without_droppable(&self, width: usize) -> Option<Table> {
        if self.droppable.is_empty() || !self.is_cramped(width) {
            return None;
        }
        let mut table = Table {
            columns: self.columns.clone(),
            rows: self.rows.clone(),
            droppable: Vec::new(),
        };
        for header in &self.droppable {
            if !table.is_cramped(width) {
                break;
            }
            if let Some(i) = table.columns.iter().position(|(name, _)| name == header) {
                table.columns.remove(i);
                for row in &mut table.rows {
                    row.remove(i);
                }
            }
        }
        Some(table)
    }

    /// Whether laid out in `width`, some text column is cut below `READABLE` (or below its
    /// whole width, when that is less).
    fn is_cramped(&self, width: usize) -> bool {
        let natural = self.natural();
        self.widths(width)
            .iter()
            .zip(&natural)
            .zip(&self.columns)
            .any(|((&got, &whole), &(_, align))| align == Align::Left && got < whole.min(READABLE))
    }

    /// Each column's widest cell or header.
    fn natural(&self) -> Vec<usize> {
        self.columns
            .iter()
            .enumerate()
            .map(|(i, (header, _))| {
                self.rows
                    .iter()
                    .map(|row| width_of(&row[i]))
                    .chain(iter::once(width_of(header)))
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// Each column's width. Numbers stay whole. When the text is too wide together, the
    /// widest text columns give way first, cut down to the next widest and then together;
    /// short ones (a date, an e-mail, a status) are cut only when that is not enough.
    fn widths(&self, width: usize) -> Vec<usize> {
        let natural = self.natural();
        let is_text = |i: usize| self.columns[i].1 == Align::Left;
        let gaps = GAP.len() * self.columns.len().saturating_sub(1);
        let widest = (0..natural.len())
            .filter(|&i| is_text(i))
            .map(|i| natural[i])
            .max()
            .unwrap_or(0);
        let hard_floor = |i: usize| natural[i].min(width_of(self.columns[i].0).max(MIN_TEXT));
        let short_whole = |i: usize| {
            if natural[i] <= SHORT {
                natural[i]
            } else {
                hard_floor(i)
            }
        };
        // Every text column cut to `cap`, but none below its floor.
        let at_cap = |cap: usize, floor: &dyn Fn(usize) -> usize| -> Vec<usize> {
            (0..natural.len())
                .map(|i| {
                    if is_text(i) {
                        natural[i].min(cap.max(floor(i)))
                    } else {
                        natural[i]
                    }
                })
                .collect()
        };
        let fitting = |floor: &dyn Fn(usize) -> usize| {
            (0..=widest)
                .rev()
                .map(|cap| at_cap(cap, floor))
                .find(|widths| gaps + widths.iter().sum::<usize>() <= width)
        };
        fitting(&short_whole)
            .or_else(|| fitting(&hard_floor))
            .unwrap_or_else(|| at_cap(0, &hard_floor))
    }
}

/// The terminal cells `text` takes: a CJK character or an emoji takes two, a combining
/// accent none — counting `char`s would push such rows out of line.
pub(super) fn width_of(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` in at most `width` cells, cut short with `…` when longer.
pub(super) fn fit(text: &str, width: usize) -> String {
    if width_of(text) <= width {
        return text.to_owned();
    }
    let Some(keep) = width.checked_sub(1) else {
        return String::new();
    };
    let mut cut = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > keep {
            break;
        }
        used += w;
        cut.push(c);
    }
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_take_two_cells_and_are_cut_by_cells() {
        assert_eq!(width_of("☕ tea"), 6);
        assert_eq!(width_of("寿司"), 4);
        assert_eq!(fit("寿司と天ぷら", 6), "寿司…");
    }

    const PLAIN: Output = Output {
        json: false,
        color: false,
        terminal: false,
    };

    fn table(rows: &[[&str; 3]]) -> Table {
        let mut table = Table::new(&[
            ("id", Align::Right),
            ("name", Align::Left),
            ("creator", Align::Left),
        ]);
        for row in rows {
            table.row(row.iter().map(|&cell| cell.to_owned()));
        }
        table
    }

    #[test]
    fn numbers_line_up_on_the_right_and_text_on_the_left() {
        let lines = table(&[
            ["7", "Lunch", "ann@example.com"],
            ["1234", "Team offsite", "-"],
        ])
        .render(&PLAIN, 100);
        assert_eq!(
            lines,
            [
                "  id  name          creator",
                "   7  Lunch         ann@example.com",
                "1234  Team offsite  -",
            ]
        );
    }

    #[test]
    fn a_wide_cell_is_cut_with_an_ellipsis_counting_characters_not_bytes() {
        let name = "Crème brûlée über alles — 日本語のアンケートです";
        let lines = table(&[["1", name, "zoë@example.com"]]).render(&PLAIN, 40);
        let row = &lines[1];
        assert_eq!(width_of(row), 40, "{row:?}");
        assert!(row.len() > 40, "the row has multibyte characters: {row:?}");
        assert!(row.contains("Crème brûlée über…"), "{row:?}");
        assert!(row.ends_with("zoë@example.com"), "{row:?}");
        assert!(lines.iter().all(|line| width_of(line) <= 40), "{lines:#?}");
    }

    #[test]
    fn the_widest_text_column_gives_way_first() {
        let lines = table(&[["1", &"x".repeat(80), "bob@example.com"]]).render(&PLAIN, 50);
        assert!(lines[1].ends_with("  bob@example.com"), "{lines:#?}");
        assert_eq!(width_of(&lines[1]), 50, "{lines:#?}");
    }

    #[test]
    fn short_text_columns_are_cut_only_when_cutting_the_long_ones_is_not_enough() {
        let row = ["1", "A rather long survey name indeed", "ann@example.com"];
        let lines = table(&[row]).render(&PLAIN, 36);
        assert_eq!(lines[1], " 1  A rather long…   ann@example.com");
        let lines = table(&[row]).render(&PLAIN, 26);
        assert_eq!(lines[1], " 1  A rather…   ann@examp…");
    }

    #[test]
    fn a_table_too_narrow_to_fit_keeps_numbers_and_headers_whole() {
        let lines =
            table(&[["123456", "A long survey name", "someone@example.com"]]).render(&PLAIN, 10);
        assert_eq!(lines[0], "    id  name    creator");
        assert_eq!(lines[1], "123456  A lon…  someon…");
    }

    #[test]
    fn droppable_columns_go_in_order_before_any_cell_is_cut() {
        let row = ["1", "Where shall we have lunch", "ann@example.com"];
        let droppable = || table(&[row]).droppable(&["creator"]);
        // Whole, it fits: nothing goes; nor when the name keeps enough to be read.
        assert_eq!(
            droppable().render(&PLAIN, 100)[1],
            table(&[row]).render(&PLAIN, 100)[1]
        );
        assert_eq!(
            droppable().render(&PLAIN, 45)[1],
            " 1  Where shall we have lun…  ann@example.com"
        );
        let lines = droppable().render(&PLAIN, 30);
        assert_eq!(lines, ["id  name", " 1  Where shall we have lunch"]);
        // Still too narrow with it gone: the rest is cut as before.
        assert_eq!(droppable().render(&PLAIN, 15)[1], " 1  Where shal…");
    }

    #[test]
    fn control_characters_in_cells_become_spaces() {
        let lines = table(&[["1", "two\nlines\x1b[2J", "-"]]).render(&PLAIN, 100);
        assert_eq!(lines[1], " 1  two lines [2J  -");
    }

    #[test]
    fn fit_keeps_what_fits_and_cuts_the_rest() {
        assert_eq!(fit("日本語", 6), "日本語");
        assert_eq!(fit("日本語", 3), "日…");
        assert_eq!(fit("日本語", 2), "…");
        assert_eq!(fit("ab cd", 4), "ab…");
        assert_eq!(fit("abc", 1), "…");
        assert_eq!(fit("abc", 0), "");
    }
}
