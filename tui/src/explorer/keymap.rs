//! The one table of key bindings: key, action and description per scope.
//! The `?` help screen and the status line hints are generated from it,
//! and a test checks that no key is bound twice where scopes meet.

use super::action::Action;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies. A view uses several scopes; the first scope
/// that binds a key wins, and the tests make sure none overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Global,
    /// Views that are a list of rows.
    List,
    /// Tables whose columns can be sorted.
    Table,
    /// Views about one function that can go to another (flat, edges, tree).
    Navigate,
    Edges,
    Tree,
    Flame,
    Run,
}

/// A key as the table writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn key(c: char) -> Key {
    Key { code: KeyCode::Char(c), ctrl: false }
}

const fn ctrl(c: char) -> Key {
    Key { code: KeyCode::Char(c), ctrl: true }
}

const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub scope: Scope,
    pub keys: &'static [Key],
    pub action: Action,
    pub description: &'static str,
}

const fn bind(scope: Scope, keys: &'static [Key], action: Action, description: &'static str) -> Binding {
    Binding { scope, keys, action, description }
}

use Action as A;
use KeyCode as K;
use Scope as S;

/// Every binding of the explorer.
pub const BINDINGS: &[Binding] = &[
    bind(S::Global, &[key('q'), ctrl('c')], A::Quit, "quit (asks first while a run is going)"),
    bind(S::Global, &[key('?'), code(K::F(1))], A::Help, "show every key binding"),
    bind(S::Global, &[code(K::Tab)], A::NextView, "next view"),
    bind(S::Global, &[code(K::BackTab)], A::PrevView, "previous view"),
    bind(S::Global, &[key('1')], A::GotoView(0), "view 1"),
    bind(S::Global, &[key('2')], A::GotoView(1), "view 2"),
    bind(S::Global, &[key('3')], A::GotoView(2), "view 3"),
    bind(S::Global, &[key('4')], A::GotoView(3), "view 4"),
    bind(S::Global, &[key('5')], A::GotoView(4), "view 5"),
    bind(S::Global, &[key('6')], A::GotoView(5), "view 6"),
    bind(S::Global, &[key('7')], A::GotoView(6), "view 7"),
    bind(S::Global, &[key('8')], A::GotoView(7), "view 8"),
    bind(S::Global, &[key('9')], A::GotoView(8), "view 9"),
    bind(S::Global, &[code(K::Backspace), code(K::Esc)], A::Back, "back (history, zoom)"),
    bind(S::Global, &[key('t')], A::NextThread, "filter by thread: all, then each"),
    bind(S::Global, &[key('/')], A::Search, "search functions"),
    bind(S::Global, &[key('n')], A::SearchNext, "next match"),
    bind(S::Global, &[key('N')], A::SearchPrev, "previous match"),
    bind(S::Global, &[key('w')], A::Save, "save the report"),
    bind(S::Global, &[key('%')], A::ToggleRelative, "absolute figures / share of total"),
    bind(S::Global, &[ctrl('l')], A::Redraw, "redraw the screen"),
    bind(S::List, &[key('k'), code(K::Up)], A::Up, "up"),
    bind(S::List, &[key('j'), code(K::Down)], A::Down, "down"),
    bind(S::List, &[code(K::PageUp), ctrl('b')], A::PageUp, "page up"),
    bind(S::List, &[code(K::PageDown), ctrl('f')], A::PageDown, "page down"),
    bind(S::List, &[key('g'), code(K::Home)], A::Top, "first row"),
    bind(S::List, &[key('G'), code(K::End)], A::Bottom, "last row"),
    bind(S::Table, &[key('>'), key('o')], A::SortNext, "sort by the next column"),
    bind(S::Table, &[key('<'), key('O')], A::SortPrev, "sort by the previous column"),
    bind(S::Table, &[key('r')], A::ReverseSort, "reverse the sort"),
    bind(S::Navigate, &[code(K::Enter)], A::Enter, "go to the selected function"),
    bind(S::Navigate, &[key('c')], A::ShowEdges, "callers and callees of the selection"),
    bind(S::Navigate, &[key('L')], A::ShowLines, "line table of the selection"),
    bind(S::Edges, &[key('a')], A::ToggleTransitive, "direct or all callers/callees"),
    bind(S::Edges, &[key('h'), key('l'), code(K::Left), code(K::Right)], A::SwitchPane, "switch pane"),
    bind(S::Tree, &[key('l'), code(K::Right), key('+')], A::Expand, "expand"),
    bind(S::Tree, &[key('h'), code(K::Left), key('-')], A::Collapse, "collapse"),
    bind(S::Tree, &[key('e'), key('*')], A::ExpandHottest, "expand the hottest path"),
    bind(S::Flame, &[code(K::Enter)], A::Enter, "zoom into the frame"),
    bind(S::Flame, &[key('h'), code(K::Left)], A::Collapse, "previous frame in the row"),
    bind(S::Flame, &[key('l'), code(K::Right)], A::Expand, "next frame in the row"),
    bind(S::Flame, &[key('c')], A::ShowEdges, "callers and callees of the frame's function"),
    bind(S::Flame, &[key('L')], A::ShowLines, "line table of the frame's function"),
    bind(S::Run, &[code(K::Enter)], A::Start, "start the run"),
    bind(S::Run, &[key('x')], A::Cancel, "stop the run"),
    bind(S::Run, &[key('l'), code(K::Right), key('+')], A::Increase, "next value"),
    bind(S::Run, &[key('h'), code(K::Left), key('-')], A::Decrease, "previous value"),
    bind(S::Run, &[key('i')], A::Edit, "type a value"),
];

fn matches(binding_key: &Key, event: &KeyEvent) -> bool {
    let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
    // Shifted characters arrive as the character itself (with SHIFT).
    binding_key.code == event.code && binding_key.ctrl == ctrl
}

/// The action `event` means in a view using `scopes` (first match wins).
pub fn lookup(scopes: &[Scope], event: &KeyEvent) -> Option<Action> {
    scopes.iter().chain(std::iter::once(&Scope::Global)).find_map(|scope| {
        BINDINGS
            .iter()
            .find(|b| b.scope == *scope && b.keys.iter().any(|k| matches(k, event)))
            .map(|b| b.action)
    })
}

/// How the table writes a key: `q`, `Ctrl-c`, `Enter`, `PgUp`.
pub fn key_name(key: &Key) -> String {
    let name = match key.code {
        K::Char(' ') => "Space".to_string(),
        K::Char(c) => c.to_string(),
        K::Enter => "Enter".into(),
        K::Esc => "Esc".into(),
        K::Backspace => "Backspace".into(),
        K::Tab => "Tab".into(),
        K::BackTab => "Shift-Tab".into(),
        K::Up => "↑".into(),
        K::Down => "↓".into(),
        K::Left => "←".into(),
        K::Right => "→".into(),
        K::PageUp => "PgUp".into(),
        K::PageDown => "PgDn".into(),
        K::Home => "Home".into(),
        K::End => "End".into(),
        K::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    if key.ctrl { format!("Ctrl-{name}") } else { name }
}

/// The bindings a view using `scopes` answers to, for the help screen.
pub fn bindings_for(scopes: &[Scope]) -> Vec<&'static Binding> {
    let mut all: Vec<&Binding> = Vec::new();
    for scope in scopes.iter().chain(std::iter::once(&Scope::Global)) {
        all.extend(BINDINGS.iter().filter(|b| b.scope == *scope));
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scope sets the views use (kept in sync by `View::scopes`).
    fn view_scope_sets() -> Vec<Vec<Scope>> {
        crate::explorer::app::ViewKind::ALL.iter().map(|v| v.scopes().to_vec()).collect()
    }

    #[test]
    fn no_key_is_bound_twice_in_any_view() {
        for scopes in view_scope_sets() {
            let bindings = bindings_for(&scopes);
            for (i, a) in bindings.iter().enumerate() {
                for b in &bindings[i + 1..] {
                    for key in a.keys {
                        assert!(
                            !b.keys.contains(key),
                            "{} is bound to both {:?} and {:?} in a view with scopes {scopes:?}",
                            key_name(key),
                            a.action,
                            b.action
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_binding_has_keys_and_a_description() {
        for binding in BINDINGS {
            assert!(!binding.keys.is_empty(), "{:?}", binding.action);
            assert!(!binding.description.is_empty(), "{:?}", binding.action);
        }
    }

    #[test]
    fn lookup_prefers_the_view_scope_over_global() {
        let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(lookup(&[Scope::Run], &enter), Some(Action::Start));
        assert_eq!(lookup(&[Scope::List, Scope::Navigate], &enter), Some(Action::Enter));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(lookup(&[Scope::Navigate], &ctrl_c), Some(Action::Quit), "Ctrl-c is not c");
        let shift_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(lookup(&[Scope::List], &shift_g), Some(Action::Bottom));
    }
}
