//! Allocation sites from dhat's JSON output: counts per call stack, with
//! frames cleaned up to the names the other passes use.
//!
//! dhat writes frames as `0xADDR: name (file:line:col)` with the file cut to
//! its last three components; the address is still valid in this process,
//! so it is looked up again for the full path.

use super::{HeapError, HeapSite};
use crate::collect::Frame;
use serde::Deserialize;
use std::collections::HashMap;
use std::ffi::c_void;
use std::path::{Path, PathBuf};

/// The part of dhat's file format (version 2, `rust-heap` mode) we read.
#[derive(Deserialize)]
struct DhatFile {
    #[serde(rename = "dhatFileVersion")]
    version: u32,
    mode: String,
    pps: Vec<ProgramPoint>,
    ftbl: Vec<String>,
}

/// One allocation point: a distinct stack and its counts.
#[derive(Deserialize)]
struct ProgramPoint {
    tb: u64,
    tbk: u64,
    #[serde(default)]
    mb: u64,
    #[serde(default)]
    mbk: u64,
    #[serde(default)]
    gb: u64,
    #[serde(default)]
    gbk: u64,
    #[serde(default)]
    eb: u64,
    #[serde(default)]
    ebk: u64,
    /// Total lifetime of the point's blocks, in microseconds.
    tl: Option<u64>,
    fs: Vec<usize>,
}

/// Reads the sites from the dhat file at `path`, biggest total first.
/// Stacks that come out the same after clean-up are one site.
pub(super) fn read_sites(path: &Path) -> Result<Vec<HeapSite>, HeapError> {
    let text = std::fs::read_to_string(path)
        .map_err(|cause| HeapError::ReadDhat { path: path.to_owned(), cause })?;
    let file: DhatFile =
        serde_json::from_str(&text).map_err(|cause| HeapError::ParseDhat { path: path.to_owned(), cause })?;
    if file.version != 2 || file.mode != "rust-heap" {
        return Err(HeapError::UnexpectedDhat {
            path: path.to_owned(),
            version: file.version,
            mode: file.mode,
        });
    }
    let mut resolver = Resolver::default();
    let table: Vec<Option<Frame>> =
        file.ftbl.iter().map(|s| parse_frame(s).map(|raw| resolver.frame(raw))).collect();
    let mut sites: Vec<HeapSite> = Vec::with_capacity(file.pps.len());
    let mut index_of: HashMap<Vec<Frame>, usize> = HashMap::new();
    for pp in &file.pps {
        let mut leaf_first = Vec::with_capacity(pp.fs.len());
        for &i in &pp.fs {
            let frame = table.get(i).ok_or_else(|| HeapError::BadFrameIndex {
                path: path.to_owned(),
                index: i,
                len: table.len(),
            })?;
            leaf_first.extend(frame.iter().cloned());
        }
        let frames = clean_stack(leaf_first);
        let site = match index_of.get(&frames) {
            Some(&i) => &mut sites[i],
            None => {
                index_of.insert(frames.clone(), sites.len());
                sites.push(HeapSite { frames, lifetimes_us: Some(0), ..HeapSite::default() });
                sites.last_mut().expect("a site was just pushed")
            }
        };
        site.total_bytes += pp.tb;
        site.total_blocks += pp.tbk;
        site.bytes_at_peak += pp.gb;
        site.blocks_at_peak += pp.gbk;
        site.bytes_at_end += pp.eb;
        site.blocks_at_end += pp.ebk;
        site.max_bytes += pp.mb;
        site.max_blocks += pp.mbk;
        site.lifetimes_us = site.lifetimes_us.zip(pp.tl).map(|(sum, tl)| sum + tl);
    }
    sites.sort_by(|a, b| {
        let key = |f: &Frame| (f.function.clone(), f.file.clone(), f.line);
        b.total_bytes.cmp(&a.total_bytes).then_with(|| a.frames.iter().map(key).cmp(b.frames.iter().map(key)))
    });
    Ok(sites)
}

/// A frame as dhat printed it.
#[derive(Debug, PartialEq)]
struct RawFrame {
    address: Option<usize>,
    function: String,
    /// Cut by dhat to its last three components.
    file: Option<String>,
    line: Option<u32>,
}

/// Parses `0xADDR: name (file:line:col)`; `None` for dhat's `[root]`.
fn parse_frame(text: &str) -> Option<RawFrame> {
    if text == "[root]" {
        return None;
    }
    let (address, rest) = match text.split_once(": ") {
        Some((hex, rest)) if hex.starts_with("0x") => (usize::from_str_radix(&hex[2..], 16).ok(), rest),
        _ => (None, text),
    };
    // The name may hold " (" itself (`<impl Trait for (A, B)>`): the
    // location is the last parenthesis.
    let (name, location) = match rest.strip_suffix(')').and_then(|r| r.rsplit_once(" (")) {
        Some((name, location)) => (name, Some(location)),
        None => (rest, None),
    };
    let (file, line) = location
        .and_then(|location| {
            let mut parts = location.rsplitn(3, ':');
            let _column = parts.next()?;
            let line = parts.next()?.parse::<u32>().ok().filter(|&l| l != 0);
            let file = parts.next().filter(|&f| f != "???").map(str::to_owned);
            Some((file, line))
        })
        .unwrap_or((None, None));
    Some(RawFrame { address, function: strip_hash(name).to_owned(), file, line })
}

/// `krate::f::h0123456789abcdef` → `krate::f`: the legacy mangling's hash.
fn strip_hash(name: &str) -> &str {
    match name.rsplit_once("::h") {
        Some((head, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => head,
        _ => name,
    }
}

/// One inline level of a resolved address: function, file, line.
type Symbol = (String, Option<PathBuf>, Option<u32>);

/// Looks frame addresses up again for the full source paths dhat cut.
#[derive(Default)]
struct Resolver {
    /// Symbols per address: (name, file, line) of each inline level.
    symbols: HashMap<usize, Vec<Symbol>>,
}

impl Resolver {
    fn frame(&mut self, raw: RawFrame) -> Frame {
        let full = raw.address.and_then(|address| {
            let symbols = self.symbols.entry(address).or_insert_with(|| resolve(address));
            symbols
                .iter()
                .find(|(name, file, line)| {
                    *name == raw.function
                        && *line == raw.line
                        && file.as_deref().zip(raw.file.as_deref()).is_some_and(|(f, cut)| f.ends_with(cut))
                })
                .and_then(|(_, file, _)| file.as_ref().map(|f| f.display().to_string()))
        });
        Frame { function: raw.function, file: full.or(raw.file), line: raw.line }
    }
}

fn resolve(address: usize) -> Vec<Symbol> {
    let mut symbols = Vec::new();
    backtrace::resolve(address as *mut c_void, |symbol| {
        let name = symbol.name().map(|n| strip_hash(&format!("{n:#}")).to_owned());
        if let Some(name) = name {
            symbols.push((name, symbol.filename().map(Path::to_owned), symbol.lineno().filter(|&l| l != 0)));
        }
    });
    symbols
}

/// Turns a leaf-first stack into a root-first one without the allocation
/// machinery at the leaf end or the runtime's start-up at the root end.
fn clean_stack(mut leaf_first: Vec<Frame>) -> Vec<Frame> {
    if let Some(last) = leaf_first.iter().rposition(|f| is_allocation_plumbing(&f.function)) {
        leaf_first.drain(..=last);
    }
    while leaf_first.last().is_some_and(|f| is_runtime_start(&f.function)) {
        leaf_first.pop();
    }
    leaf_first.reverse();
    leaf_first
}

/// dhat, the unwinder, and proftui's host and SDK allocator functions.
/// `alloc::` frames stay: `Vec::push` → `RawVec::grow` is the user's story.
fn is_allocation_plumbing(function: &str) -> bool {
    const PREFIXES: [&str; 12] = [
        "dhat::",
        "<dhat::",
        "backtrace::",
        "<backtrace::",
        "proftui_core::plugin::host::host_",
        "proftui_plugin::alloc::",
        "<proftui_plugin::alloc::",
        "__rust_alloc",
        "__rust_realloc",
        "__rust_dealloc",
        "__rg_",
        "__rdl_",
    ];
    PREFIXES.iter().any(|p| function.starts_with(p))
}

/// Frames below `main` or a thread's closure: process and thread start-up.
fn is_runtime_start(function: &str) -> bool {
    const EXACT: [&str; 8] =
        ["main", "_start", "start_thread", "clone", "clone3", "__clone", "__clone3", "???"];
    const PREFIXES: [&str; 9] = [
        "__libc_start",
        "std::rt::",
        "std::panicking::",
        "std::panic::",
        "std::sys::",
        "std::thread::",
        "core::ops::function::",
        "<alloc::boxed::Box<F,A> as core::ops::function::FnOnce",
        "<core::panic::unwind_safe::AssertUnwindSafe<F> as core::ops::function::FnOnce",
    ];
    EXACT.contains(&function) || PREFIXES.iter().any(|p| function.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(function: &str) -> Frame {
        Frame { function: function.into(), file: None, line: None }
    }

    #[test]
    fn parses_dhat_frame_strings() {
        let raw =
            parse_frame("0x55d3a0: simul::memory::build_boxed::h0123456789abcdef (simul/src/memory.rs:41:9)");
        assert_eq!(
            raw,
            Some(RawFrame {
                address: Some(0x55d3a0),
                function: "simul::memory::build_boxed".into(),
                file: Some("simul/src/memory.rs".into()),
                line: Some(41),
            })
        );
        let tuple = parse_frame("0x10: <impl Trait for (A, B)>::go (src/a b.rs:7:1)").expect("a frame");
        assert_eq!(tuple.function, "<impl Trait for (A, B)>::go");
        assert_eq!((tuple.file.as_deref(), tuple.line), (Some("src/a b.rs"), Some(7)));
        let unknown = parse_frame("0x7f00: ??? (???:0:0)").expect("a frame");
        assert_eq!((unknown.function.as_str(), unknown.file, unknown.line), ("???", None, None));
        assert_eq!(parse_frame("[root]"), None);
        assert_eq!(
            strip_hash("taylor::factorial::hfffffffffffffffg"),
            "taylor::factorial::hfffffffffffffffg"
        );
    }

    #[test]
    fn cleans_allocator_plumbing_and_runtime_start_and_puts_the_root_first() {
        let leaf_first = [
            "<dhat::Alloc as core::alloc::global::GlobalAlloc>::alloc",
            "proftui_core::plugin::host::host_realloc",
            "<proftui_plugin::alloc::ForwardingAllocator as core::alloc::global::GlobalAlloc>::realloc",
            "__rust_realloc",
            "alloc::alloc::realloc",
            "alloc::raw_vec::finish_grow",
            "alloc::raw_vec::RawVec<T,A>::grow_one",
            "simul::memory::build_boxed",
            "simul::run",
            "proftui::main",
            "core::ops::function::FnOnce::call_once",
            "std::sys::backtrace::__rust_begin_short_backtrace",
            "std::rt::lang_start::{{closure}}",
            "std::rt::lang_start_internal",
            "main",
            "__libc_start_call_main",
            "__libc_start_main_impl",
            "_start",
        ];
        let cleaned = clean_stack(leaf_first.iter().map(|f| frame(f)).collect());
        let names: Vec<&str> = cleaned.iter().map(|f| f.function.as_str()).collect();
        assert_eq!(
            names,
            [
                "proftui::main",
                "simul::run",
                "simul::memory::build_boxed",
                "alloc::raw_vec::RawVec<T,A>::grow_one",
                "alloc::raw_vec::finish_grow",
                "alloc::alloc::realloc",
            ]
        );
    }
}
