//! Everything a user can ask the explorer to do. Keys and mouse become
//! actions (see [`super::keymap`]); `App::update` is the only place an
//! action changes state.

/// One thing the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    NextView,
    PrevView,
    /// Show view number `n` of the view bar (0-based).
    GotoView(u8),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Go to the selected function (callers, callees, flat) or zoom into a
    /// frame (flame graph).
    Enter,
    /// Back along the history, or out of a zoom.
    Back,
    /// Callers and callees of the selected function.
    ShowEdges,
    /// The line table of the selected function.
    ShowLines,
    /// Next / previous sort column.
    SortNext,
    SortPrev,
    ReverseSort,
    /// Absolute figures or shares of the total.
    ToggleRelative,
    /// Direct callers/callees or all of them (transitive).
    ToggleTransitive,
    /// Switch the focused pane (callers | callees).
    SwitchPane,
    Expand,
    Collapse,
    /// Expand the hottest path below the selection.
    ExpandHottest,
    /// Cycle the thread filter: all threads, then each thread.
    NextThread,
    Search,
    SearchNext,
    SearchPrev,
    /// Save the report (asks for a file name).
    Save,
    /// Start the selected workload (run panel).
    Start,
    /// Stop the running workload.
    Cancel,
    /// Change the selected parameter (run panel).
    Increase,
    Decrease,
    /// Type a new value for the selected parameter (run panel).
    Edit,
    Redraw,
}
