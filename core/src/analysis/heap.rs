//! Heap figures: allocation sites charged to the user function that
//! allocated (not to the allocator's own frames), and the live-bytes
//! timeline downsampled without losing its peak.

use super::index::Analysis;
use crate::report::{FunctionId, HeapSite, MemoryPoint, NodeId};
use serde::Serialize;

/// Bytes and blocks allocated, live at the global peak, and live at the
/// end (leaked).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HeapFigures {
    pub bytes: u64,
    pub blocks: u64,
    pub bytes_at_peak: u64,
    pub blocks_at_peak: u64,
    /// Still live when the run ended: leaked.
    pub bytes_at_end: u64,
    pub blocks_at_end: u64,
}

impl HeapFigures {
    pub(crate) fn of_site(site: &HeapSite) -> Self {
        Self {
            bytes: site.total_bytes,
            blocks: site.total_blocks,
            bytes_at_peak: site.bytes_at_peak,
            blocks_at_peak: site.blocks_at_peak,
            bytes_at_end: site.bytes_at_end,
            blocks_at_end: site.blocks_at_end,
        }
    }
}

impl std::ops::AddAssign for HeapFigures {
    fn add_assign(&mut self, other: Self) {
        self.bytes += other.bytes;
        self.blocks += other.blocks;
        self.bytes_at_peak += other.bytes_at_peak;
        self.blocks_at_peak += other.blocks_at_peak;
        self.bytes_at_end += other.bytes_at_end;
        self.blocks_at_end += other.blocks_at_end;
    }
}

impl std::ops::SubAssign for HeapFigures {
    fn sub_assign(&mut self, other: Self) {
        self.bytes -= other.bytes;
        self.blocks -= other.blocks;
        self.bytes_at_peak -= other.bytes_at_peak;
        self.blocks_at_peak -= other.blocks_at_peak;
        self.bytes_at_end -= other.bytes_at_end;
        self.blocks_at_end -= other.blocks_at_end;
    }
}

/// Name prefixes of allocator and standard-library frames: a site is
/// charged to the first frame above them.
pub const LIBRARY_PREFIXES: &[&str] = &[
    "alloc::",
    "core::",
    "std::",
    "<alloc::",
    "<core::",
    "<std::",
    "hashbrown::",
    "<hashbrown::",
    "__rust_",
    "__rdl_",
    "proftui_plugin::",
    "<proftui_plugin::",
];

/// The crates whose trait implementations are library code.
const LIBRARY_CRATES: &[&str] = &["alloc::", "core::", "std::", "hashbrown::", "proftui_plugin::"];

/// Whether `function` is allocator or standard-library code: its path
/// starts in a library crate, or it is a library trait's method on a type
/// that names no other crate (`<T as alloc::string::ToString>::to_string`,
/// `<u64 as alloc::string::SpecToString>::spec_to_string`): the orphan rule
/// puts an impl of a library trait for a generic parameter or a primitive
/// in the library itself, unless a type of another crate is among the
/// trait's arguments.
pub fn is_library_frame(function: &str) -> bool {
    if LIBRARY_PREFIXES.iter().any(|prefix| function.starts_with(prefix)) {
        return true;
    }
    let Some((_, trait_path)) = function.strip_prefix('<').and_then(|q| q.split_once(" as ")) else {
        return false;
    };
    let library = |path: &str| LIBRARY_CRATES.iter().any(|krate| path.starts_with(krate));
    // Every path in the name, the self type's and the trait's arguments
    // included; a segment after `>::` (the method) is not a path of its own.
    let mut paths = function
        .split(['<', '>', ',', ' ', '(', ')', '[', ']', '&', ';', '*'])
        .filter(|token| token.contains("::") && !token.starts_with("::"));
    library(trait_path) && paths.all(library)
}

/// One allocation site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeapSiteRow {
    /// The site's leaf node.
    pub node: NodeId,
    /// The first user frame from the leaf up (the leaf itself when every
    /// frame is library code).
    pub function: FunctionId,
    pub name: String,
    pub file: Option<String>,
    /// The line executing in that frame (0 when unknown).
    pub line: u32,
    /// Allocated, at the peak and leaked, scaled by the [`Basis`](super::Basis).
    pub heap: HeapFigures,
    /// The site's own largest live total (a moment: never divided).
    pub max_bytes: u64,
    /// How long the site's blocks lived on average, in microseconds (a
    /// block still live at the end counts until then); `None` when the
    /// report has no lifetimes.
    pub average_lifetime_us: Option<f64>,
    /// Function names from the outermost frame down to the leaf.
    pub stack: Vec<String>,
}

/// Live bytes over time, downsampled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeline {
    /// At most the asked number of points: per time bucket, the point with
    /// the most live bytes, so the peak is always among them.
    pub points: Vec<MemoryPoint>,
    /// How many points the report holds.
    pub recorded_points: usize,
    /// The global peak and when it happened (from the heap pass).
    pub peak_bytes: u64,
    pub peak_time_ns: u64,
    /// Live at the end of the pass (leaked).
    pub end_bytes: u64,
    /// From the first recorded point to the last.
    pub duration_ns: u64,
}

impl Analysis<'_> {
    /// Every allocation site, in report order; `None` without a heap pass.
    /// Heap figures ignore the thread filter: sites carry no thread.
    pub fn heap_sites(&self) -> Option<Vec<HeapSiteRow>> {
        let heap = self.report.heap.as_ref()?;
        let basis = self.basis().heap.as_ref()?;
        Some(
            heap.sites
                .iter()
                .map(|site| {
                    let path = self.report.path(site.node);
                    let user = path
                        .iter()
                        .rev()
                        .find(|&&node| !is_library_frame(self.name(self.function(node))))
                        .copied()
                        .unwrap_or(site.node);
                    let function = self.function(user);
                    let info = &self.report.functions[function as usize];
                    HeapSiteRow {
                        node: site.node,
                        function,
                        name: info.name.clone(),
                        file: info.file.clone(),
                        line: self.report.nodes[user as usize].line,
                        heap: basis.scale(HeapFigures::of_site(site)),
                        max_bytes: site.max_bytes,
                        average_lifetime_us: site.average_lifetime_us(),
                        stack: path.iter().map(|&node| self.name(self.function(node)).to_string()).collect(),
                    }
                })
                .collect(),
        )
    }
}

impl Analysis<'_> {
    /// The heap pass's live bytes over time in at most `max_points` points;
    /// `None` without a heap pass.
    pub fn timeline(&self, max_points: usize) -> Option<Timeline> {
        let heap = self.report.heap.as_ref()?;
        let recorded = &heap.timeline;
        let (first, last) = match (recorded.first(), recorded.last()) {
            (Some(first), Some(last)) => (first.time_ns, last.time_ns),
            _ => (0, 0),
        };
        let span = u128::from(last.saturating_sub(first)) + 1;
        let buckets = max_points.max(1) as u128;
        let mut points: Vec<MemoryPoint> = Vec::new();
        let mut current_bucket = None;
        for point in recorded {
            let bucket = u128::from(point.time_ns.saturating_sub(first)) * buckets / span;
            match points.last_mut() {
                Some(kept) if current_bucket == Some(bucket) => {
                    if point.live_bytes > kept.live_bytes {
                        *kept = *point;
                    }
                }
                _ => {
                    points.push(*point);
                    current_bucket = Some(bucket);
                }
            }
        }
        Some(Timeline {
            points,
            recorded_points: recorded.len(),
            peak_bytes: heap.peak_bytes,
            peak_time_ns: heap.peak_time_ns,
            end_bytes: heap.end_bytes,
            duration_ns: last.saturating_sub(first),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Analysis, Filter};
    use super::*;
    use crate::report::HeapProfile;

    #[test]
    fn sites_are_charged_to_the_first_user_frame() {
        let report = taylor();
        let sites = Analysis::new(&report, &Filter::default()).heap_sites().expect("heap pass");
        let summary: Vec<(&str, u32, u64, u64, u64, u64)> = sites
            .iter()
            .map(|s| {
                (
                    s.name.as_str(),
                    s.line,
                    s.heap.bytes,
                    s.heap.bytes_at_peak,
                    s.heap.bytes_at_end,
                    s.max_bytes,
                )
            })
            .collect();
        assert_eq!(summary, vec![(EXP, 13, 3000, 2000, 1000, 2000), (RUN, 6, 500, 0, 0, 300)]);
        assert_eq!(sites[0].stack, vec![RUN, EXP, GROW]);
        assert_eq!(sites[0].file.as_deref(), Some(FILE));
        assert_eq!((sites[0].heap.blocks, sites[0].heap.blocks_at_end), (3, 1));
    }

    #[test]
    fn library_frames_are_recognised() {
        for name in [
            "alloc::vec::Vec<T>::push",
            "<alloc::vec::Vec<T> as core::clone::Clone>::clone",
            "hashbrown::raw::RawTable<T>::reserve_rehash",
            "std::io::read_to_end",
            "core::ptr::drop_in_place",
            "__rust_alloc",
            "<T as alloc::slice::<impl [T]>::to_vec_in::ConvertVec>::to_vec",
            "<T as alloc::string::ToString>::to_string",
            "<u64 as alloc::string::SpecToString>::spec_to_string",
            "<[T] as core::fmt::Debug>::fmt",
        ] {
            assert!(is_library_frame(name), "{name}");
        }
        for name in [
            "taylor::factorial",
            "<simul::Grid as core::clone::Clone>::clone",
            "<simul::soa::Particles as core::convert::From<&[simul::Particle]>>::from",
            "<u64 as core::ops::arith::Add<units::Metres>>::add",
            "<T as app::Describe>::describe",
            "malloc_user::run",
        ] {
            assert!(!is_library_frame(name), "{name}");
        }
    }

    #[test]
    fn a_stack_of_library_frames_only_is_charged_to_its_leaf() {
        let mut b = crate::report::build::ReportBuilder::new(run_info());
        let leaf = stack(&mut b, &[("std::thread::spawn", 3), ("alloc::alloc::alloc", 9)]);
        b.set_heap(HeapProfile {
            sites: vec![HeapSite {
                node: leaf,
                total_bytes: 8,
                total_blocks: 1,
                bytes_at_peak: 8,
                blocks_at_peak: 1,
                bytes_at_end: 0,
                blocks_at_end: 0,
                max_bytes: 8,
                max_blocks: 1,
                lifetimes_us: None,
            }],
            total_bytes: 8,
            total_blocks: 1,
            peak_bytes: 8,
            peak_time_ns: 0,
            end_bytes: 0,
            end_blocks: 0,
            timeline: vec![],
        });
        let report = b.finish();
        let sites = Analysis::new(&report, &Filter::default()).heap_sites().expect("heap pass");
        assert_eq!((sites[0].name.as_str(), sites[0].line), ("alloc::alloc::alloc", 9));
    }

    #[test]
    fn the_timeline_keeps_the_peak_of_every_bucket() {
        let report = taylor();
        let analysis = Analysis::new(&report, &Filter::default());
        let points = |n| -> Vec<(u64, u64)> {
            analysis
                .timeline(n)
                .expect("heap pass")
                .points
                .iter()
                .map(|p| (p.time_ns, p.live_bytes))
                .collect()
        };
        // 0..=50 ns in 3 buckets of 17 ns: [0, 17), [17, 34), [34, 51).
        assert_eq!(points(3), vec![(10, 500), (25, 2000), (40, 1200)]);
        assert_eq!(points(1), vec![(25, 2000)]);
        assert_eq!(points(100).len(), 7, "fewer points than asked: all of them");
        let timeline = analysis.timeline(3).expect("heap pass");
        assert_eq!(
            (
                timeline.recorded_points,
                timeline.peak_bytes,
                timeline.peak_time_ns,
                timeline.end_bytes,
                timeline.duration_ns
            ),
            (7, 2000, 25, 1000, 50)
        );
        let mut none = taylor();
        none.heap = None;
        assert_eq!(Analysis::new(&none, &Filter::default()).timeline(3), None);
    }
}
