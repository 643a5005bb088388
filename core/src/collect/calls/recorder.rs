//! One thread's shadow stack and calling-context tree, in raw clock ticks.
//!
//! Knows nothing of threads, clocks or the collector: the caller passes the
//! time in, which keeps every figure here testable to the tick.

use super::CallNode;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A node of the tree while recording: one probe site reached by one path.
#[derive(Debug, Clone, Copy)]
struct TickNode {
    parent: u32,
    site: u32,
    calls: u64,
    inclusive_ticks: u64,
    /// The child entered last from here. Most calls repeat the previous
    /// one (loops, recursion), so this hint usually saves the map lookup.
    last_child: u32,
}

impl TickNode {
    fn new(parent: u32, site: u32) -> Self {
        Self { parent, site, calls: 0, inclusive_ticks: 0, last_child: 0 }
    }
}

/// An open call: its node and when it was entered.
#[derive(Debug, Clone, Copy)]
struct Frame {
    node: u32,
    start_ticks: u64,
}

/// What a thread recorded, with its times in nanoseconds.
#[derive(Debug)]
pub(super) struct Recording {
    pub nodes: Vec<CallNode>,
    pub unmatched_exits: u64,
    pub still_open: u64,
}

/// A thread's calls as they happen.
#[derive(Debug)]
pub(super) struct Recorder {
    /// `nodes[0]` is the root; a child always comes after its parent.
    nodes: Vec<TickNode>,
    stack: Vec<Frame>,
    /// (parent, site) → child, for lookups the hint misses.
    children: HashMap<u64, u32, BuildHasherDefault<PairHasher>>,
    /// The innermost open call's node; the root when none is open.
    current: u32,
    unmatched_exits: u64,
}

impl Recorder {
    pub(super) fn new() -> Self {
        Self {
            nodes: vec![TickNode::new(0, 0)],
            stack: Vec::new(),
            children: HashMap::default(),
            current: 0,
            unmatched_exits: 0,
        }
    }

    /// `site` was entered; `now` is read last, after the bookkeeping, so
    /// that the probe's own cost is charged to the caller and not the callee.
    #[inline]
    pub(super) fn enter(&mut self, site: u32, now: impl FnOnce() -> u64) {
        let parent = self.current;
        let hint = self.nodes[parent as usize].last_child;
        let node =
            if hint != 0 && self.nodes[hint as usize].site == site { hint } else { self.child(parent, site) };
        self.nodes[parent as usize].last_child = node;
        self.nodes[node as usize].calls += 1;
        self.current = node;
        self.stack.push(Frame { node, start_ticks: now() });
    }

    /// `site` returned at `now` (read before calling, for the same reason).
    #[inline]
    pub(super) fn exit(&mut self, site: u32, now: u64) {
        match self.stack.last() {
            Some(top) if self.nodes[top.node as usize].site == site => self.pop(now),
            Some(_) => self.exit_out_of_order(site, now),
            None => self.unmatched_exits += 1,
        }
    }

    /// Closes the open calls left at `now` and converts ticks with `to_ns`.
    pub(super) fn finish(mut self, now: u64, to_ns: impl Fn(u64) -> u64) -> Recording {
        let still_open = self.stack.len() as u64;
        while !self.stack.is_empty() {
            self.pop(now);
        }
        let mut nodes: Vec<CallNode> = self
            .nodes
            .iter()
            .map(|n| CallNode {
                parent: n.parent,
                site: n.site,
                calls: n.calls,
                inclusive_ns: to_ns(n.inclusive_ticks),
                self_ns: 0,
            })
            .collect();
        // Self time is taken in nanoseconds so that a parent's self plus its
        // children's inclusive is exactly its inclusive (truncating the
        // conversion never makes the children's sum exceed their parent).
        let mut children_ns = vec![0u64; nodes.len()];
        for node in nodes.iter().skip(1) {
            children_ns[node.parent as usize] += node.inclusive_ns;
        }
        for (node, children) in nodes.iter_mut().zip(&children_ns) {
            node.self_ns = node.inclusive_ns.saturating_sub(*children);
        }
        // The root is not a call: its time is the time spent in probed calls.
        nodes[0].inclusive_ns = children_ns[0];
        Recording { nodes, unmatched_exits: self.unmatched_exits, still_open }
    }

    /// The child of `parent` for `site`, made on its first call.
    #[inline(never)]
    fn child(&mut self, parent: u32, site: u32) -> u32 {
        let next = u32::try_from(self.nodes.len()).expect("a call tree of 2^32 nodes does not fit in memory");
        let nodes = &mut self.nodes;
        *self.children.entry(u64::from(parent) << 32 | u64::from(site)).or_insert_with(|| {
            nodes.push(TickNode::new(parent, site));
            next
        })
    }

    fn pop(&mut self, now: u64) {
        if let Some(frame) = self.stack.pop() {
            let node = &mut self.nodes[frame.node as usize];
            node.inclusive_ticks += now.saturating_sub(frame.start_ticks);
            self.current = node.parent;
        }
    }

    /// An exit that does not match the innermost call: the calls above the
    /// innermost open call of `site` missed their exits (a panic unwound
    /// past them, a C probe was unbalanced) and end now with it. An exit of
    /// a site that is not open at all is ignored.
    #[cold]
    fn exit_out_of_order(&mut self, site: u32, now: u64) {
        self.unmatched_exits += 1;
        let nodes = &self.nodes;
        if let Some(depth) = self.stack.iter().rposition(|f| nodes[f.node as usize].site == site) {
            while self.stack.len() > depth {
                self.pop(now);
            }
        }
    }
}

/// Hashes a (parent, site) pair packed in a `u64`: one multiply, with the
/// high half folded into the low bits the table indexes by.
#[derive(Default)]
struct PairHasher(u64);

impl Hasher for PairHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A recorder driven by explicit tick times.
    fn events(events: &[(char, u32, u64)]) -> Recorder {
        let mut recorder = Recorder::new();
        for &(kind, site, now) in events {
            match kind {
                'e' => recorder.enter(site, || now),
                'x' => recorder.exit(site, now),
                _ => unreachable!("events are 'e'nter or e'x'it"),
            }
        }
        recorder
    }

    fn node(parent: u32, site: u32, calls: u64, inclusive_ns: u64, self_ns: u64) -> CallNode {
        CallNode { parent, site, calls, inclusive_ns, self_ns }
    }

    #[test]
    fn self_time_excludes_probed_children() {
        let recorded =
            events(&[('e', 1, 0), ('e', 2, 10), ('x', 2, 30), ('e', 2, 40), ('x', 2, 45), ('x', 1, 100)])
                .finish(200, |ticks| ticks);
        assert_eq!(
            recorded.nodes,
            vec![node(0, 0, 0, 100, 0), node(0, 1, 1, 100, 75), node(1, 2, 2, 25, 25)]
        );
        assert_eq!((recorded.unmatched_exits, recorded.still_open), (0, 0));
    }

    #[test]
    fn a_site_gets_one_node_per_calling_context() {
        // 1 → {2, 3} alternately, then 3 straight from the root: the hint
        // misses on every alternation and the map must find the same nodes.
        let mut recorder = Recorder::new();
        recorder.enter(1, || 0);
        for i in 0..100 {
            let site = 2 + i % 2;
            recorder.enter(site, || 0);
            recorder.exit(site, 0);
        }
        recorder.exit(1, 0);
        recorder.enter(3, || 0);
        recorder.exit(3, 0);
        let nodes = recorder.finish(0, |ticks| ticks).nodes;
        let shape: Vec<_> = nodes.iter().map(|n| (n.parent, n.site, n.calls)).collect();
        assert_eq!(shape, vec![(0, 0, 0), (0, 1, 1), (1, 2, 50), (1, 3, 50), (0, 3, 1)]);
    }

    #[test]
    fn mismatched_exit_unwinds_to_the_matching_call() {
        // 1 → 2 → 3, then 1 exits: 3 and 2 missed their exits and end with it.
        let recorder = events(&[('e', 1, 0), ('e', 2, 10), ('e', 3, 20), ('x', 1, 50)]);
        assert_eq!(recorder.current, 0);
        let recorded = recorder.finish(1000, |ticks| ticks);
        assert_eq!(recorded.unmatched_exits, 1);
        assert_eq!(recorded.still_open, 0);
        assert_eq!(
            recorded.nodes,
            vec![node(0, 0, 0, 50, 0), node(0, 1, 1, 50, 10), node(1, 2, 1, 40, 10), node(2, 3, 1, 30, 30)]
        );
    }

    #[test]
    fn mismatched_exit_ends_the_innermost_open_call_of_its_site() {
        // 1 → 2 → 1 → 3, then 1 exits: the inner 1 and 3 end, 2 and the outer 1 stay open.
        let mut recorder = events(&[('e', 1, 0), ('e', 2, 10), ('e', 1, 20), ('e', 3, 30), ('x', 1, 40)]);
        recorder.exit(2, 50);
        recorder.exit(1, 60);
        let recorded = recorder.finish(1000, |ticks| ticks);
        assert_eq!((recorded.unmatched_exits, recorded.still_open), (1, 0));
        let times: Vec<_> = recorded.nodes.iter().map(|n| (n.site, n.inclusive_ns)).collect();
        assert_eq!(times, vec![(0, 60), (1, 60), (2, 40), (1, 20), (3, 10)]);
    }

    #[test]
    fn exits_of_calls_that_are_not_open_are_counted_and_ignored() {
        let mut recorder = events(&[('x', 1, 0), ('e', 1, 10), ('x', 7, 20)]);
        recorder.exit(1, 30);
        recorder.exit(1, 40);
        let recorded = recorder.finish(1000, |ticks| ticks);
        assert_eq!((recorded.unmatched_exits, recorded.still_open), (3, 0));
        assert_eq!(recorded.nodes, vec![node(0, 0, 0, 20, 0), node(0, 1, 1, 20, 20)]);
    }

    #[test]
    fn calls_still_open_end_when_the_recording_does() {
        let recorded = events(&[('e', 1, 0), ('e', 2, 10)]).finish(100, |ticks| ticks);
        assert_eq!(recorded.still_open, 2);
        assert_eq!(
            recorded.nodes,
            vec![node(0, 0, 0, 100, 0), node(0, 1, 1, 100, 10), node(1, 2, 1, 90, 90)]
        );
    }

    #[test]
    fn truncated_conversion_keeps_self_times_consistent() {
        // At 0.5 ns per tick two 1-tick children round down to 0 ns each and
        // their 3-tick parent to 1 ns, which stays all self time.
        let recorded =
            events(&[('e', 1, 0), ('e', 2, 0), ('x', 2, 1), ('e', 3, 1), ('x', 3, 2), ('x', 1, 3)])
                .finish(3, |ticks| ticks / 2);
        let parent = &recorded.nodes[1];
        let children: u64 = recorded.nodes[2..].iter().map(|n| n.inclusive_ns).sum();
        assert_eq!(parent.inclusive_ns, 1);
        assert_eq!(parent.self_ns + children, parent.inclusive_ns);
    }
}
