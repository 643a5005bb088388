//! A table that builds only the rows it shows: the caller says how many
//! rows exist and formats one on demand, so a view over a million rows
//! costs what a screenful costs. Also what the table views share around
//! it: moving the selection, searching with wrap-around, and choosing the
//! columns that fit a width.

use crate::explorer::action::Action;
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

    /// Moves the selection of a list of `len` rows by a movement action
    /// (Up, Down, PageUp and PageDown by `page` rows, Top, Bottom) and
    /// says so; any other action is left to the view (`false`).
    pub fn apply(&mut self, action: Action, len: usize, page: usize) -> bool {
        let page = page as isize;
        match action {
            Action::Up => self.step(-1, len),
            Action::Down => self.step(1, len),
            Action::PageUp => self.step(-page, len),
            Action::PageDown => self.step(page, len),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = len.saturating_sub(1),
            _ => return false,
        }
        true
    }

    /// Selects the next of `len` rows from the selection that `matches`
    /// (see [`find_wrapping`]) and says whether there was one; the
    /// selection stays where it is when none matches.
    pub fn find(
        &mut self,
        len: usize,
        forward: bool,
        include_current: bool,
        matches: impl FnMut(usize) -> bool,
    ) -> bool {
        let found = find_wrapping(len, self.selected, forward, include_current, matches);
        if let Some(index) = found {
            self.selected = index;
        }
        found.is_some()
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

/// The first of `len` rows from `start` that `matches`, going forward or
/// backward and wrapping around: `start` itself is tried first when
/// `include_current` (a search as it is typed), last otherwise (the next
/// match). `None` when no row matches.
pub fn find_wrapping(
    len: usize,
    start: usize,
    forward: bool,
    include_current: bool,
    mut matches: impl FnMut(usize) -> bool,
) -> Option<usize> {
    let first = usize::from(!include_current);
    (first..len + first)
        .map(|step| if forward { (start + step) % len } else { (start + len - step % len) % len })
        .find(|&index| matches(index))
}

/// The item after `current` in `all` (before it when not `forward`),
/// wrapping around: the next sort order of a view (`all`, a view's
/// constant list, is never empty). An item not in `all`
/// counts as the first.
pub fn cycle<T: Copy + PartialEq>(all: &[T], current: T, forward: bool) -> T {
    let at = all.iter().position(|item| *item == current).unwrap_or(0);
    let len = all.len();
    all[if forward { (at + 1) % len } else { (at + len - 1) % len }]
}

/// Columns as wide as needed, each with the rank at which it is dropped
/// when the table is narrow (highest first); the last is the name.
pub type Columns<T> = Vec<(T, Column, u8)>;

/// Drops the columns with the highest rank until at least `min_name`
/// characters are left for the last one (the name).
pub fn fit<T>(mut columns: Columns<T>, width: u16, min_name: u16) -> Columns<T> {
    while name_width(&columns, width) < usize::from(min_name) {
        let Some(drop) = columns
            .iter()
            .enumerate()
            .take(columns.len().saturating_sub(1))
            .max_by_key(|(_, (_, _, rank))| *rank)
            .map(|(i, _)| i)
        else {
            break;
        };
        columns.remove(drop);
    }
    columns
}

/// The width left for the last column (the name) after the others.
pub fn name_width<T>(columns: &Columns<T>, width: u16) -> usize {
    let used: u16 = columns.iter().take(columns.len().saturating_sub(1)).map(|(_, c, _)| c.width + 1).sum();
    width.saturating_sub(used) as usize
}

/// The columns of `all` (in display order, each with the least table
/// width that shows it; 0: always shown) that a table `width` wide shows.
/// For tables whose columns are dropped at fixed widths rather than by
/// what the name needs ([`fit`]).
pub fn shown_at<T: Copy>(all: &[(T, u16)], width: u16) -> Vec<T> {
    all.iter().filter(|(_, least)| width >= *least).map(|(column, _)| *column).collect()
}

/// Characters `n` takes in decimal, at least `title`'s.
pub fn digits(n: u64, title: &str) -> u16 {
    (n.checked_ilog10().unwrap_or(0) as u16 + 1).max(title.len() as u16)
}

/// `text` cut to `width` characters, keeping its end (the most specific
/// part of a qualified name) behind a `…`.
pub fn elide(text: String, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return text;
    }
    let keep = width.saturating_sub(1);
    let tail: String = text.chars().skip(count - keep).collect();
    if width == 0 { String::new() } else { format!("…{tail}") }
}

/// A heading `head` + `joiner` + `location` + `tail` in `width`
/// characters. The location (a source path and line) gives way first, losing
/// its leading directories behind `…` (the file name and line are what tell
/// it apart), so notes in `tail` stay on screen however deep the checkout;
/// with too little room for a useful part of it, it is left out.
pub fn with_location(head: &str, joiner: &str, location: &str, tail: &str, width: usize) -> String {
    const USEFUL: usize = 8;
    let fixed = head.chars().count() + joiner.chars().count() + tail.chars().count();
    let room = width.saturating_sub(fixed);
    let len = location.chars().count();
    if len <= room {
        return format!("{head}{joiner}{location}{tail}");
    }
    if room < USEFUL {
        return format!("{head}{tail}");
    }
    let tail_of_path: String = location.chars().skip(len - (room - 1)).collect();
    let shown = match tail_of_path.find('/') {
        Some(slash) if slash + 1 < tail_of_path.len() => format!("…{}", &tail_of_path[slash..]),
        _ => format!("…{tail_of_path}"),
    };
    format!("{head}{joiner}{shown}{tail}")
}

/// The indices of the columns a table `width` wide draws: all of them,
/// or without its rightmost columns but the last (the name) until the
/// others keep their full width and the name its least. Ratatui would
/// squeeze them instead, and a right-aligned figure squeezed loses its
/// leading digits: `+8.99 ms` read `99 ms`.
fn kept_columns(columns: &[Column], width: u16) -> Vec<usize> {
    let mut kept: Vec<usize> = (0..columns.len()).collect();
    let needed = |kept: &[usize]| -> u32 {
        kept.iter().map(|&i| u32::from(columns[i].width)).sum::<u32>() + kept.len().saturating_sub(1) as u32
    };
    while kept.len() > 1 && needed(&kept) > u32::from(width) {
        kept.remove(kept.len() - 2);
    }
    kept
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
    let kept = kept_columns(columns, area.width);
    let columns: Vec<&Column> = kept.iter().map(|&i| &columns[i]).collect();
    let keep = |cells: Vec<String>| -> Vec<String> {
        let mut cells: Vec<Option<String>> = cells.into_iter().map(Some).collect();
        kept.iter().map(|&i| cells.get_mut(i).and_then(Option::take).unwrap_or_default()).collect()
    };
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
        Row::new(keep(row(index)).into_iter().zip(&columns).map(|(text, c)| aligned(text, c))).style(style)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn movements_move_and_other_actions_are_left_to_the_view() {
        let mut cursor = Cursor { selected: 2, offset: 0 };
        assert!(cursor.apply(Action::Up, 5, 20));
        assert_eq!(cursor.selected, 1);
        assert!(cursor.apply(Action::PageDown, 5, 20));
        assert_eq!(cursor.selected, 4, "a page past the end stops at the last row");
        assert!(cursor.apply(Action::PageUp, 5, 3));
        assert_eq!(cursor.selected, 1);
        assert!(cursor.apply(Action::Bottom, 5, 20));
        assert_eq!(cursor.selected, 4);
        assert!(cursor.apply(Action::Top, 5, 20));
        assert_eq!(cursor.selected, 0);
        assert!(!cursor.apply(Action::SortNext, 5, 20));
        assert!(!cursor.apply(Action::Enter, 5, 20));
        assert_eq!(cursor.selected, 0);
        assert!(cursor.apply(Action::Bottom, 0, 20));
        assert_eq!(cursor.selected, 0, "an empty list keeps row 0");
    }

    #[test]
    fn finding_wraps_around_both_ways() {
        let even = |i: usize| i.is_multiple_of(2);
        // Rows 0..5 from row 3: forward 4, then 0 after wrapping.
        assert_eq!(find_wrapping(5, 3, true, false, even), Some(4));
        assert_eq!(find_wrapping(5, 4, true, false, even), Some(0));
        assert_eq!(find_wrapping(5, 3, false, false, even), Some(2));
        assert_eq!(find_wrapping(5, 0, false, false, even), Some(4));
        // The current row counts only when asked, else it comes last.
        assert_eq!(find_wrapping(5, 2, true, true, even), Some(2));
        assert_eq!(find_wrapping(5, 2, true, false, |i| i == 2), Some(2));
        assert_eq!(find_wrapping(5, 2, true, false, |_| false), None);
        assert_eq!(find_wrapping(0, 0, true, true, |_| true), None);

        let mut cursor = Cursor { selected: 3, offset: 1 };
        assert!(cursor.find(5, true, false, even));
        assert_eq!(cursor, Cursor { selected: 4, offset: 1 });
        assert!(!cursor.find(5, true, false, |i| i == 7));
        assert_eq!(cursor.selected, 4, "no match keeps the selection");
    }

    #[test]
    fn sorts_cycle_both_ways() {
        let all = ['a', 'b', 'c'];
        assert_eq!(cycle(&all, 'a', true), 'b');
        assert_eq!(cycle(&all, 'c', true), 'a');
        assert_eq!(cycle(&all, 'a', false), 'c');
        assert_eq!(cycle(&all, 'x', true), 'b', "an unknown item counts as the first");
    }

    #[test]
    fn columns_show_from_their_least_width() {
        let all = [('a', 0), ('b', 64), ('c', 0), ('d', 100)];
        assert_eq!(shown_at(&all, 63), ['a', 'c']);
        assert_eq!(shown_at(&all, 64), ['a', 'b', 'c']);
        assert_eq!(shown_at(&all, 100), ['a', 'b', 'c', 'd']);
    }

    #[test]
    fn fitting_drops_the_highest_rank_until_the_name_has_room() {
        let column = |width| Column { title: "", width, align: Align::Right };
        let all: Columns<char> =
            vec![('a', column(5), 1), ('b', column(5), 3), ('c', column(5), 2), ('n', column(4), 0)];
        let kept = |width| fit(all.clone(), width, 10).iter().map(|(c, _, _)| *c).collect::<String>();
        // Three columns of 5 and their spaces take 18: a name of 10 needs 28.
        assert_eq!(kept(28), "abcn");
        assert_eq!(kept(27), "acn", "b (rank 3) goes first; 12 used, 15 left");
        assert_eq!(kept(22), "acn");
        assert_eq!(kept(21), "an", "then c: 6 used, 15 left");
        assert_eq!(kept(5), "n", "the name is never dropped");
        assert_eq!(name_width(&fit(all.clone(), 27, 10), 27), 15);
        assert_eq!(elide("proftui::core::run".to_string(), 6), "…::run");
        assert_eq!(elide("run".to_string(), 6), "run");
        assert_eq!(digits(12345, "calls"), 5);
        assert_eq!(digits(123456, "calls"), 6);
        assert_eq!(digits(0, "x"), 1);
    }

    #[test]
    fn a_location_gives_way_to_the_notes_after_it() {
        let heading = |width| with_location("f", " at ", "/a/bb/ccc/lib.rs:18", "  (note)", width);
        assert_eq!(heading(100), "f at /a/bb/ccc/lib.rs:18  (note)");
        assert_eq!(heading(32), "f at /a/bb/ccc/lib.rs:18  (note)", "exactly fits");
        // 15 characters of room: `…` and the last 14, whole directories.
        assert_eq!(heading(28), "f at …/ccc/lib.rs:18  (note)");
        // 14: the last 13 start inside `ccc`, which goes.
        assert_eq!(heading(27), "f at …/lib.rs:18  (note)");
        assert_eq!(heading(21), "f at …b.rs:18  (note)", "a file name longer than the room is cut");
        assert_eq!(heading(20), "f  (note)", "under 8 characters of room: no location");
        assert_eq!(heading(3), "f  (note)", "the rest is cut at the edge as usual");
    }

    #[test]
    fn a_narrow_table_drops_its_rightmost_figures_rather_than_squeeze_them() {
        let column = |width| Column { title: "", width, align: Align::Right };
        let columns = [column(10), column(8), column(16), column(20)];
        // 10 + 8 + 16 + 20 and three spaces: 57.
        assert_eq!(kept_columns(&columns, 57), [0, 1, 2, 3]);
        assert_eq!(kept_columns(&columns, 56), [0, 1, 3]);
        assert_eq!(kept_columns(&columns, 40), [0, 1, 3]);
        assert_eq!(kept_columns(&columns, 39), [0, 3]);
        assert_eq!(kept_columns(&columns, 5), [3], "the name stays");
    }
}
