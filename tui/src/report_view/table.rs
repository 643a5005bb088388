//! A plain text table: columns aligned to their widest cell, figures to the
//! right, the last column (a name or source text) left and unpadded.

use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

enum Row {
    Cells(Vec<String>),
    /// A line of its own under the previous row, indented.
    Note(String),
}

pub struct Table {
    columns: Vec<(String, Align)>,
    rows: Vec<Row>,
}

impl Table {
    pub fn new(columns: &[(&str, Align)]) -> Self {
        Self { columns: columns.iter().map(|(h, a)| (h.to_string(), *a)).collect(), rows: Vec::new() }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.columns.len(), "one cell per column");
        self.rows.push(Row::Cells(cells));
    }

    pub fn note(&mut self, text: String) {
        self.rows.push(Row::Note(text));
    }

    pub fn render(&self) -> String {
        let width = |s: &str| s.chars().count();
        let mut widths: Vec<usize> = self.columns.iter().map(|(h, _)| width(h)).collect();
        for row in &self.rows {
            if let Row::Cells(cells) = row {
                for (w, cell) in widths.iter_mut().zip(cells) {
                    *w = (*w).max(width(cell));
                }
            }
        }
        let line = |cells: &mut dyn Iterator<Item = &str>| {
            let mut out = String::new();
            for (i, cell) in cells.enumerate() {
                let last = i + 1 == self.columns.len();
                let pad = widths[i].saturating_sub(width(cell));
                if i > 0 {
                    out.push_str("  ");
                }
                match self.columns[i].1 {
                    Align::Right => {
                        out.extend(std::iter::repeat_n(' ', pad));
                        out.push_str(cell);
                    }
                    Align::Left => {
                        out.push_str(cell);
                        if !last {
                            out.extend(std::iter::repeat_n(' ', pad));
                        }
                    }
                }
            }
            out.trim_end().to_string()
        };
        let mut out = String::new();
        let _ = writeln!(out, "{}", line(&mut self.columns.iter().map(|(h, _)| h.as_str())));
        for row in &self.rows {
            match row {
                Row::Cells(cells) => {
                    let _ = writeln!(out, "{}", line(&mut cells.iter().map(String::as_str)));
                }
                Row::Note(text) => {
                    let _ = writeln!(out, "      {text}");
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_align_right_and_the_last_column_left() {
        let mut table = Table::new(&[("calls", Align::Right), ("function", Align::Left)]);
        table.row(vec!["15/3".into(), "taylor::factorial".into()]);
        table.row(vec!["1".into(), "taylor::run".into()]);
        table.note("via main".into());
        assert_eq!(
            table.render(),
            "calls  function\n 15/3  taylor::factorial\n    1  taylor::run\n      via main\n"
        );
    }
}
