//! A table that builds only the rows it shows: the caller says how many
//! rows exist and formats one on demand, so a view over a million rows
//! costs what a screenful costs.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row, Table};

/// Where a column's text sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A column: its title, width and alignment. The last column takes the
/// space left.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    pub width: u16,
    pub align: Align,
}

/// Scroll position and selection of a list of `len` rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
    pub offset: usize,
}

impl Cursor {
    /// Moves the selection by `delta` rows, clamped to `0..len`.
    pub fn step(&mut self, delta: isize, len: usize) {
        let last = len.saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
    }

    /// Keeps the selection inside a window of `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        if height == 0 {
            return;
        }
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
    }
}

/// Draws rows `cursor.offset..` of `len`, each made by `row(index)`, with
/// a header; `highlight(index)` marks rows to emphasise (the hottest line).
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    columns: &[Column],
    len: usize,
    cursor: &mut Cursor,
    row: impl Fn(usize) -> Vec<String>,
    highlight: impl Fn(usize) -> bool,
) {
    let height = area.height.saturating_sub(1) as usize;
    cursor.scroll_into_view(height);
    let aligned = |text: String, column: &Column| -> Cell<'static> {
        let line = match column.align {
            Align::Left => Line::from(text),
            Align::Right => Line::from(text).right_aligned(),
        };
        Cell::from(line)
    };
    let header = Row::new(columns.iter().map(|c| aligned(c.title.to_string(), c)))
        .style(Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED));
    let end = (cursor.offset + height).min(len);
    let rows = (cursor.offset..end).map(|index| {
        let mut style = Style::default();
        if highlight(index) {
            style = style.add_modifier(Modifier::BOLD);
        }
        if index == cursor.selected {
            style = style.add_modifier(Modifier::REVERSED);
        }
        Row::new(row(index).into_iter().zip(columns).map(|(text, c)| aligned(text, c))).style(style)
    });
    let widths: Vec<Constraint> = columns
        .iter()
        .enumerate()
        .map(
            |(i, c)| {
                if i + 1 == columns.len() { Constraint::Min(c.width) } else { Constraint::Length(c.width) }
            },
        )
        .collect();
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), area);
}
