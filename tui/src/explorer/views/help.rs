//! The `?` screen: every key of the current view, from the keymap table.

use crate::explorer::app::App;
use crate::explorer::keymap::{bindings_for, key_name};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let lines: Vec<Line> = bindings_for(app.view.scopes())
        .into_iter()
        .map(|b| {
            let keys: Vec<String> = b.keys.iter().map(key_name).collect();
            Line::from(format!("{:>22}  {}", keys.join(" "), b.description))
        })
        .collect();
    let width = area.width.saturating_sub(4).min(80);
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = Rect { x: area.x + (area.width - width) / 2, y: area.y, width, height };
    frame.render_widget(Clear, popup);
    let title = format!(" keys of the {} view (any key closes) ", app.view.title());
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::default().borders(Borders::ALL).title(title))
            .wrap(Wrap { trim: false }),
        popup,
    );
}
